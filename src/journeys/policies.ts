import type { ConsentChannel, ContactPolicies, JourneyChannel, MessageCategory } from '../contracts/index.js';
import { localDayStart, minutesOf, nextLocalTime, wallClock } from '../lib/zoned-time.js';

/** What the policies need to know about the person and their recent messages. */
export interface SendContext {
  readonly now: number;
  readonly timeZone: string;
  /** `channel:purpose` -> granted or denied, as the golden record says. */
  readonly consent: Readonly<Record<string, 'granted' | 'denied'>>;
  /** Whether the person can be reached on a channel (an address, a subscription...). */
  readonly reachable: (channel: JourneyChannel) => boolean;
  /** Whether the address the channel would use is on the suppression list. */
  readonly suppressed: (channel: JourneyChannel) => boolean;
  /** Messages sent to the person lately (for frequency caps). */
  readonly recentSends: readonly { readonly channel: JourneyChannel; readonly category: MessageCategory; readonly at: number }[];
  /** The person is in the global control group. */
  readonly inControlGroup: boolean;
  /** The person is in this journey's holdout: measured, never sent to. */
  readonly holdout: boolean;
}

export type SendDecision =
  | { readonly kind: 'send'; readonly channel: JourneyChannel; readonly skipped: readonly string[] }
  | { readonly kind: 'suppress'; readonly reason: string }
  | { readonly kind: 'delay'; readonly until: number; readonly channel: JourneyChannel; readonly reason: string };

/** Which consent a channel needs; webhooks reach systems, not people. */
const consentChannelOf: Record<JourneyChannel, ConsentChannel | null> = { email: 'email', sms: 'sms', push: 'push', in_app: 'in_app', webhook: null };

function consentAllows(channel: JourneyChannel, category: MessageCategory, context: SendContext, policies: ContactPolicies): boolean {
  const consentChannel = consentChannelOf[channel];
  if (consentChannel === null) return true;
  const mode = category === 'marketing' ? (policies.consent?.marketing ?? 'opt_in') : (policies.consent?.transactional ?? 'opt_out');
  const state = context.consent[`${consentChannel}:${category}`];
  return mode === 'none' || (mode === 'opt_in' ? state === 'granted' : state !== 'denied');
}

function capBreached(channel: JourneyChannel, category: MessageCategory, context: SendContext, policies: ContactPolicies): string | undefined {
  for (const cap of policies.frequencyCaps ?? []) {
    const capCategory = cap.category ?? 'marketing';
    if (capCategory !== 'all' && capCategory !== category) continue;
    if (cap.channels !== 'all' && !cap.channels.includes(channel)) continue;
    // "3 in 7 days" counts the person's calendar days: today and the six before, in their time zone.
    const since = localDayStart(context.now, context.timeZone, cap.days - 1);
    const sent = context.recentSends.filter(
      (s) => s.at >= since && (capCategory === 'all' || s.category === capCategory) && (cap.channels === 'all' || cap.channels.includes(s.channel)),
    ).length;
    if (sent >= cap.max) return `frequency cap: ${sent} of ${cap.max} ${capCategory === 'all' ? '' : `${capCategory} `}messages in ${cap.days} day${cap.days === 1 ? '' : 's'}`;
  }
  return undefined;
}

/** When quiet hours hold now for the channel: the instant they end. */
function quietUntil(channel: JourneyChannel, context: SendContext, policies: ContactPolicies): number | undefined {
  const quiet = policies.quietHours;
  if (quiet === undefined || !(quiet.channels ?? ['sms', 'push']).includes(channel)) return undefined;
  const local = wallClock(context.now, context.timeZone);
  const minute = local.hour * 60 + local.minute;
  const [start, end] = [minutesOf(quiet.start), minutesOf(quiet.end)];
  const inside = start <= end ? minute >= start && minute < end : minute >= start || minute < end;
  return inside ? nextLocalTime(context.now, context.timeZone, quiet.end) : undefined;
}

/**
 * Decides a send at the moment of sending: the first channel (in fallback
 * order) the person can be reached on, consented to and not suppressed; then
 * the holdout, the control group and frequency caps may suppress it, and
 * quiet hours may delay it until they end. Transactional messages are spared
 * caps, quiet hours and the control group unless the policies say otherwise.
 */
export function decideSend(channels: readonly JourneyChannel[], category: MessageCategory, context: SendContext, policies: ContactPolicies): SendDecision {
  const skipped: string[] = [];
  let chosen: JourneyChannel | undefined;
  for (const channel of channels) {
    if (!context.reachable(channel)) skipped.push(`${channel}: not reachable`);
    else if (!consentAllows(channel, category, context, policies)) skipped.push(`${channel}: no ${category} consent`);
    else if (context.suppressed(channel)) skipped.push(`${channel}: on the suppression list`);
    else {
      chosen = channel;
      break;
    }
  }
  if (chosen === undefined) return { kind: 'suppress', reason: skipped.join('; ') };
  if (context.holdout) return { kind: 'suppress', reason: 'holdout: measured, not sent' };
  const exempt = category === 'transactional' && (policies.transactionalExempt ?? true);
  if (!exempt && category === 'marketing' && context.inControlGroup) return { kind: 'suppress', reason: 'global control group' };
  if (!exempt) {
    const breached = capBreached(chosen, category, context, policies);
    if (breached !== undefined) return { kind: 'suppress', reason: breached };
    const until = quietUntil(chosen, context, policies);
    if (until !== undefined) return { kind: 'delay', until, channel: chosen, reason: `quiet hours until ${policies.quietHours?.end ?? ''} local time` };
  }
  return { kind: 'send', channel: chosen, skipped };
}
