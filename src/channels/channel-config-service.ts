import { EmailSettings, type ChannelConfigInput, type ChannelConfigView, type JourneyChannel } from '../contracts/index.js';
import type { Clock } from '../lib/clock.js';
import { TesseraError, invalid, notFound, type FieldProblem } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Result } from '../lib/result.js';
import { compileValidator } from '../lib/validator.js';
import type { ChannelConfigRecord, ChannelConfigStore } from '../store/index.js';
import type { ChannelAdapter } from './adapter.js';
import type { ProviderLimits } from './delivery/token-bucket.js';
import { SmtpAdapter } from './email/smtp-adapter.js';
import type { ChannelRegistry } from './registry.js';

/** How a channel is configured: its settings checked, shown with secrets masked, and turned into an adapter. */
export interface ChannelConfigurator {
  readonly channel: JourneyChannel;
  readonly provider: string;
  validate(settings: unknown): Result<Readonly<Record<string, unknown>>, FieldProblem[]>;
  /** The settings as the API shows them: every secret replaced by ********. */
  redact(settings: Readonly<Record<string, unknown>>): Record<string, unknown>;
  build(settings: Readonly<Record<string, unknown>>): ChannelAdapter;
}

export const secretMask = '********';

/** smtp://user:secret@host -> smtp://user:********@host */
export const redactUrlPassword = (url: string): string => url.replace(/^(smtps?:\/\/[^:@/]*):[^@/]*@/, `$1:${secretMask}@`);

const validateEmail = compileValidator(EmailSettings);
export const emailConfigurator: ChannelConfigurator = {
  channel: 'email',
  provider: 'smtp',
  validate: (settings) => validateEmail(settings, 'settings.'),
  redact: (settings) => ({ ...settings, smtpUrl: redactUrlPassword(String(settings['smtpUrl'])) }),
  build: (settings) => new SmtpAdapter(settings as EmailSettings),
};

export interface ChannelConfigServiceOptions {
  readonly store: ChannelConfigStore;
  readonly registry: ChannelRegistry;
  readonly limits: ProviderLimits;
  readonly configurators: readonly ChannelConfigurator[];
  /** Configurations from the environment (TESSERA_SMTP_URL...): used while the API has set none for the channel. */
  readonly fromEnvironment: readonly { readonly channel: JourneyChannel; readonly settings: Readonly<Record<string, unknown>> }[];
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * `/api/v1/channels`: per channel, settings stored in the operational store
 * (which win over the environment's), applied at once by replacing the
 * channel's adapter in the registry. Secrets never leave: views mask them and
 * the logs get only the channel and provider.
 */
export class ChannelConfigService {
  readonly #o: ChannelConfigServiceOptions;
  readonly #configurators: ReadonlyMap<JourneyChannel, ChannelConfigurator>;

  constructor(options: ChannelConfigServiceOptions) {
    this.#o = options;
    this.#configurators = new Map(options.configurators.map((c) => [c.channel, c]));
  }

  /** Registers an adapter for every configured channel: stored settings first, else the environment's. */
  async start(): Promise<void> {
    const stored = new Map((await this.#o.store.all()).map((c) => [c.channel, c]));
    for (const env of this.#o.fromEnvironment) {
      if (!stored.has(env.channel)) await this.#apply(env.channel, env.settings, null);
    }
    for (const config of stored.values()) await this.#apply(config.channel, config.settings, config.rateLimit);
  }

  async list(): Promise<ChannelConfigView[]> {
    const stored = await this.#o.store.all();
    const views = stored.flatMap((c) => this.#view(c, 'api'));
    for (const env of this.#o.fromEnvironment) {
      if (!stored.some((c) => c.channel === env.channel)) views.push(...this.#view({ ...env, rateLimit: null, updatedAt: 0 }, 'environment'));
    }
    return views.sort((a, b) => a.channel.localeCompare(b.channel));
  }

  async get(channel: JourneyChannel): Promise<ChannelConfigView> {
    const view = (await this.list()).find((c) => c.channel === channel);
    if (view === undefined) throw notFound('configuration of channel', channel);
    return view;
  }

  async put(channel: JourneyChannel, input: ChannelConfigInput): Promise<ChannelConfigView> {
    const configurator = this.#configurator(channel);
    const checked = configurator.validate(input.settings);
    if (!checked.ok) throw invalid(checked.error);
    const record: ChannelConfigRecord = { channel, settings: checked.value, rateLimit: input.rateLimit ?? null, updatedAt: this.#o.clock.now() };
    await this.#o.store.put(record);
    await this.#apply(channel, record.settings, record.rateLimit);
    const [view] = this.#view(record, 'api');
    if (view === undefined) throw new TesseraError('TESSERA_ERR_INTERNAL', `channel ${channel} has no configurator`);
    return view;
  }

  /** Forgets the API's settings; the environment's apply again if there are any, else the channel stops delivering. */
  async remove(channel: JourneyChannel): Promise<void> {
    if (!(await this.#o.store.remove(channel))) throw notFound('configuration of channel', channel);
    const env = this.#o.fromEnvironment.find((e) => e.channel === channel);
    if (env !== undefined) await this.#apply(channel, env.settings, null);
    else await this.#o.registry.unregister(channel);
  }

  #configurator(channel: JourneyChannel): ChannelConfigurator {
    const configurator = this.#configurators.get(channel);
    if (configurator === undefined) {
      const known = [...this.#configurators.keys()].join(', ');
      throw invalid([{ field: 'channel', rule: 'configurable', message: `${channel} is not configured through this API; channels that are: ${known}` }]);
    }
    return configurator;
  }

  async #apply(channel: JourneyChannel, settings: Readonly<Record<string, unknown>>, rateLimit: ChannelConfigRecord['rateLimit']): Promise<void> {
    const configurator = this.#configurator(channel);
    const adapter = configurator.build(settings);
    await this.#o.registry.register(adapter);
    // The adapter's provider: the one the dispatcher takes tokens for (a channel's settings may pick among several).
    this.#o.limits.configure(adapter.provider, rateLimit);
    this.#o.logger.info({ channel, provider: configurator.provider }, 'channel configured');
  }

  #view(config: ChannelConfigRecord, source: 'api' | 'environment'): ChannelConfigView[] {
    const configurator = this.#configurators.get(config.channel);
    if (configurator === undefined) return [];
    return [
      {
        channel: config.channel,
        provider: configurator.provider,
        source,
        settings: configurator.redact(config.settings),
        rateLimit: config.rateLimit,
        updatedAt: source === 'api' ? new Date(config.updatedAt).toISOString() : null,
      },
    ];
  }
}
