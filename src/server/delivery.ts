import { join } from 'node:path';
import {
  ChannelConfigService,
  ChannelRegistry,
  DeliveryDispatcher,
  EngagementRecorder,
  EngagementService,
  LinkSigner,
  MessageComposer,
  ProviderLimits,
  TemplateService,
  defaultBackoff,
  emailConfigurator,
  reservedTraits,
  type BackoffPolicy,
  type PersonReader,
} from '../channels/index.js';
import type { DeliveryView, Profile } from '../contracts/index.js';
import type { Clock } from '../lib/clock.js';
import { TesseraError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ProfileRules, ProfileService, SuppressionService } from '../profiles/index.js';
import type { SegmentCatalog } from '../segments/index.js';
import type { DeliveryRecord, EventLog, OperationalStore } from '../store/index.js';
import type { Config } from './config.js';
import { readOrCreateSecret } from './installation-secret.js';
import { buildChannelEndpoints } from './channel-endpoints.js';

export interface DeliveryParts {
  readonly config: Config;
  readonly state: OperationalStore;
  readonly log: EventLog;
  readonly profiles: ProfileService;
  readonly suppressions: SuppressionService;
  readonly profileRules: ProfileRules;
  readonly catalog: SegmentCatalog;
  readonly systemSourceId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly backoff?: BackoffPolicy;
}

/** "Name <address>" or a bare address, as TESSERA_SMTP_FROM gives it. */
export function parseSender(text: string | undefined): { fromAddress: string; fromName?: string } {
  const match = /^\s*(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text ?? '');
  if (match?.[2] !== undefined) return { fromAddress: match[2], ...(match[1] !== undefined && match[1] !== '' && { fromName: match[1].replace(/^"|"$/g, '') }) };
  if (text !== undefined && /^[^@\s]+@[^@\s]+$/.test(text.trim())) return { fromAddress: text.trim() };
  return { fromAddress: 'tessera@localhost', fromName: 'Tessera' };
}

const personOf = (profile: Profile) => ({
  id: profile.id,
  traits: Object.fromEntries(Object.entries(profile.traits).map(([name, t]) => [name, t.value])),
  identifiers: profile.identities.map((i) => `${i.type}:${i.value}`),
});

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
export const deliveryView = (d: DeliveryRecord): DeliveryView => ({
  id: d.id,
  profileId: d.profileId,
  journeyId: d.journeyId,
  step: d.step,
  channel: d.channel,
  category: d.category,
  template: d.template,
  variant: d.variant,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: iso(d.nextAttemptAt),
  recipient: d.recipient,
  provider: d.provider,
  providerMessageId: d.providerMessageId,
  lastError: d.lastError,
  createdAt: new Date(d.createdAt).toISOString(),
  updatedAt: new Date(d.updatedAt).toISOString(),
});

/**
 * The channels stage, composed: templates, channel configuration (the
 * environment's SMTP URL, then the API's), the dispatcher over the delivery
 * outbox, and the engagement routes' service. `start` needs the URL people
 * reach the server at, known once it listens.
 */
export async function buildDelivery(parts: DeliveryParts) {
  const { state, clock, logger } = parts;
  const people: PersonReader = async (id) => {
    try {
      return personOf(await parts.profiles.get(id));
    } catch (error) {
      if (error instanceof TesseraError && error.code === 'TESSERA_ERR_NOT_FOUND') return undefined;
      throw error;
    }
  };
  const knownTraits = (): ReadonlySet<string> =>
    new Set([
      ...reservedTraits,
      ...parts.profileRules.traits.keys(),
      ...[...parts.profileRules.traitsFromEvents.values()].flatMap((mappings) => mappings.map((m) => m.trait)),
      ...parts.catalog.computed.ordered.map((t) => t.name),
    ]);
  const templates = new TemplateService({ store: state.templates, people, knownTraits, clock });
  const registry = new ChannelRegistry();
  const endpoints = await buildChannelEndpoints({
    config: parts.config,
    state,
    log: parts.log,
    registry,
    people,
    internalSourceId: parts.systemSourceId,
    notifyDispatcher: () => dispatcher.notify(),
    publicUrl: () => publicUrl ?? '',
    clock,
    logger,
  });
  const limits = new ProviderLimits({ perSecond: 50 });
  const { smtpUrl } = parts.config;
  const channels = new ChannelConfigService({
    store: state.channelConfigs,
    registry,
    limits,
    configurators: [emailConfigurator, ...endpoints.configurators],
    fromEnvironment: smtpUrl === undefined ? [] : [{ channel: 'email', settings: { smtpUrl, ...parseSender(parts.config.smtpFrom) } }],
    clock,
    logger,
  });
  const signer = new LinkSigner(await readOrCreateSecret(join(parts.config.dataDir, 'link-secret')));
  const recorder = new EngagementRecorder({ log: parts.log, internalSourceId: parts.systemSourceId, clock });
  let publicUrl = parts.config.publicUrl?.replace(/\/+$/, '');
  const composer = new MessageComposer({
    people,
    templates,
    journeys: state.journeys,
    registry,
    isSuppressed: (keys) => parts.suppressions.isSuppressed(keys),
    signer,
    publicUrl: () => publicUrl ?? '',
  });
  const suppress = (entry: Parameters<SuppressionService['add']>[0]) => parts.suppressions.add(entry);
  const dispatcher = new DeliveryDispatcher({
    store: state.deliveries,
    registry,
    composer,
    recorder,
    people,
    limits,
    backoff: parts.backoff ?? defaultBackoff,
    suppress,
    clock,
    logger: logger.child({ stage: 'delivery' }),
    onFailed: (entry, reason) => endpoints.deadLetters.onFailed(entry, reason),
  });
  const engagement = new EngagementService({
    deliveries: state.deliveries,
    people,
    recorder,
    signer,
    setConsent: (profileId, update) => parts.profiles.setConsent(profileId, update),
    suppress,
    logger,
  });
  return {
    templates,
    channels,
    engagement,
    registry,
    dispatcher,
    endpoints,
    deliveries: {
      list: async (query: { profileId?: string | undefined; status?: DeliveryView['status'] | undefined; limit?: number | undefined }) =>
        (await state.deliveries.list({ profileId: query.profileId, status: query.status, limit: query.limit ?? 100 })).map(deliveryView),
    },
    /** Registers the configured channels and starts delivering; `listeningUrl` is used for links unless TESSERA_PUBLIC_URL says otherwise. */
    async start(listeningUrl: string): Promise<void> {
      publicUrl ??= listeningUrl;
      await endpoints.start();
      await channels.start();
      await dispatcher.start();
    },
    async stop(): Promise<void> {
      await dispatcher.stop();
      await registry.close();
    },
  };
}

export type Delivery = Awaited<ReturnType<typeof buildDelivery>>;
