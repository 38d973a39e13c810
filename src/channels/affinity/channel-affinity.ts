/**
 * Built-in computed traits that say which channel a person answers on, from
 * the engagement events delivery writes back (`Message Sent`, `Message
 * Opened`, `Message Clicked`, each with the journey channel in `channel`),
 * over the last 90 days:
 *
 * - `messages_sent_90d`, `messages_opened_90d`, `messages_clicked_90d`:
 *   counts per channel, e.g. `{ "email": 4, "sms": 1 }`;
 * - `channel_affinity`: per channel with sends, the share of messages the
 *   person opened or clicked (a message both opened and clicked counts once),
 *   e.g. `{ "email": 0.5, "sms": 0 }`;
 * - `best_channel`: the channel with the highest affinity (ties go to the
 *   channel a `best` send tries first), or null before any send.
 *
 * Webhooks reach systems, not people: they count nowhere.
 *
 * They are kept like any computed trait: fed message by message from
 * aggregates in the golden record, exact as the window slides, usable in
 * segment conditions, journey branches and the send step's `best` channel.
 */
import { journeyChannels, type CollectedMessage, type JourneyChannel } from '../../contracts/index.js';
import { observationsIn, type AggregateAccumulator, type AggregateDefinition, type JsonValue, type Observation } from '../../profiles/index.js';
import { bestChannelOrder, bestChannelTrait } from '../../journeys/index.js';
import type { CompiledTrait } from '../../segments/index.js';

const windowMs = 90 * 86_400_000;
/** Ties go to the channel a `best` send tries first, then to the others in their usual order. */
const tieOrder: readonly JourneyChannel[] = [...bestChannelOrder, ...journeyChannels.filter((c) => c !== 'webhook' && !bestChannelOrder.includes(c))];

const isPersonChannel = (value: unknown): value is JourneyChannel => typeof value === 'string' && tieOrder.includes(value as JourneyChannel);

type Counted = 'Message Sent' | 'Message Opened' | 'Message Clicked';

/** Each observation's value: [channel, delivery id or null]. */
function aggregateOf(event: Counted): AggregateDefinition {
  return {
    id: `builtin_${event.toLowerCase().replace(' ', '_')}_by_channel_90d`,
    eventName: event,
    keep: { kind: 'entries', horizonMs: windowMs },
    observe(message: CollectedMessage) {
      if (message.type !== 'track' || message.event !== event) return undefined;
      const channel = message.properties?.channel;
      if (!isPersonChannel(channel)) return undefined;
      const delivery = message.properties?.deliveryId;
      return { value: [channel, typeof delivery === 'string' ? delivery : null] };
    },
  };
}

const sent = aggregateOf('Message Sent');
const opened = aggregateOf('Message Opened');
const clicked = aggregateOf('Message Clicked');

const inWindow = (aggregates: Readonly<Record<string, AggregateAccumulator>>, aggregate: AggregateDefinition, now: number): readonly Observation[] =>
  observationsIn(aggregates[aggregate.id], now, windowMs);

const channelOf = (o: Observation): JourneyChannel | undefined => (Array.isArray(o.v) && isPersonChannel(o.v[0]) ? o.v[0] : undefined);

function countsByChannel(observations: readonly Observation[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of observations) {
    const channel = channelOf(o);
    if (channel !== undefined) counts[channel] = (counts[channel] ?? 0) + 1;
  }
  return counts;
}

function countTrait(name: string, aggregate: AggregateDefinition): CompiledTrait {
  return {
    id: `builtin:${name}`,
    name,
    aggregate,
    windowMs,
    reads: new Set(),
    value: (aggregates, _traits, now) => countsByChannel(inWindow(aggregates, aggregate, now)),
  };
}

/** Per channel with sends: messages opened or clicked (each once) over messages sent, at most 1, to 4 decimals. */
export function affinityOf(sends: readonly Observation[], engagements: readonly Observation[]): Record<string, number> {
  const sentBy = countsByChannel(sends);
  const engaged = new Map<string, Set<string>>();
  for (const o of engagements) {
    const channel = channelOf(o);
    if (channel === undefined || sentBy[channel] === undefined) continue;
    const delivery = Array.isArray(o.v) && typeof o.v[1] === 'string' ? o.v[1] : `event:${o.id}`;
    engaged.set(channel, (engaged.get(channel) ?? new Set()).add(delivery));
  }
  const rates: Record<string, number> = {};
  for (const [channel, count] of Object.entries(sentBy)) rates[channel] = Math.round(Math.min(1, (engaged.get(channel)?.size ?? 0) / count) * 10_000) / 10_000;
  return rates;
}

/** The channel with the highest rate, ties broken by `tieOrder`; null without any. */
export function bestChannelOf(affinity: unknown): JourneyChannel | null {
  if (affinity === null || typeof affinity !== 'object') return null;
  let best: JourneyChannel | null = null;
  let bestRate = -1;
  for (const channel of tieOrder) {
    const rate = (affinity as Record<string, unknown>)[channel];
    if (typeof rate === 'number' && rate > bestRate) {
      best = channel;
      bestRate = rate;
    }
  }
  return best;
}

/** The built-in channel traits, in dependency order; the composition root hands them to the segment catalog. */
export function channelAffinityTraits(): CompiledTrait[] {
  const counts = [countTrait('messages_sent_90d', sent), countTrait('messages_opened_90d', opened), countTrait('messages_clicked_90d', clicked)];
  const affinity: CompiledTrait = {
    id: 'builtin:channel_affinity',
    name: 'channel_affinity',
    aggregate: undefined,
    windowMs: null,
    reads: new Set(counts.map((t) => t.name)),
    value: (aggregates, _traits, now): JsonValue =>
      affinityOf(inWindow(aggregates, sent, now), [...inWindow(aggregates, opened, now), ...inWindow(aggregates, clicked, now)]),
  };
  const best: CompiledTrait = {
    id: `builtin:${bestChannelTrait}`,
    name: bestChannelTrait,
    aggregate: undefined,
    windowMs: null,
    reads: new Set([affinity.name]),
    value: (_aggregates, traits) => bestChannelOf(traits.channel_affinity),
  };
  return [...counts, affinity, best];
}
