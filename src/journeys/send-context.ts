import { createHash } from 'node:crypto';
import type { ContactPolicies, JourneyChannel } from '../contracts/index.js';
import type { ProfileFacts } from '../segments/index.js';
import type { JourneyStore } from '../store/index.js';
import type { SendContext } from './policies.js';

/** Which identifier type reaches a person on a channel; in-app and webhooks need none. */
const addressOf: Record<JourneyChannel, string | null> = { email: 'email', sms: 'phone', push: 'push_subscription', in_app: null, webhook: null };

/** A number in [0, 1) fixed for a person and a salt. */
export function draw(profileId: string, salt: string): number {
  return createHash('sha256').update(`${salt}:${profileId}`).digest().readUInt32BE(0) / 2 ** 32;
}

export interface SendContextSources {
  readonly store: Pick<JourneyStore, 'sendsOf'>;
  /** Whether any of these identifier keys is on the suppression list. */
  readonly isSuppressed: (identifierKeys: readonly string[]) => Promise<boolean>;
}

/** The longest frequency-cap window, in ms (with a day's margin for time zones). */
const capHorizon = (policies: ContactPolicies): number => (Math.max(0, ...(policies.frequencyCaps ?? []).map((c) => c.days)) + 1) * 86_400_000;

/**
 * Everything the contact policies need about one person, loaded once before
 * the engine runs (the engine is synchronous): recent sends, which of their
 * addresses are suppressed, how they can be reached.
 */
export async function loadSendContext(
  profileId: string,
  identifierKeys: readonly string[],
  facts: ProfileFacts,
  policies: ContactPolicies,
  now: number,
  sources: SendContextSources,
): Promise<(holdout: boolean) => SendContext> {
  const recentSends = (await sources.store.sendsOf(profileId, now - capHorizon(policies))).map((s) => ({ channel: s.channel, category: s.category, at: s.at }));
  const suppressed = new Map<JourneyChannel, boolean>();
  for (const channel of Object.keys(addressOf) as JourneyChannel[]) {
    const type = addressOf[channel];
    const keys = type === null ? [] : identifierKeys.filter((k) => k.startsWith(`${type}:`));
    suppressed.set(channel, keys.length > 0 && (await sources.isSuppressed(keys)));
  }
  const inControlGroup = draw(profileId, 'control-group') * 100 < (policies.controlGroupPercent ?? 0);
  return (holdout) => ({
    now,
    timeZone: facts.timeZone,
    consent: facts.consent,
    reachable: (channel) => {
      const type = addressOf[channel];
      return type === null || facts.identifierTypes.has(type);
    },
    suppressed: (channel) => suppressed.get(channel) ?? false,
    recentSends,
    inControlGroup,
    holdout,
  });
}
