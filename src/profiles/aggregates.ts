/**
 * Event aggregates inside the golden record: what computed traits and the
 * event conditions of segments need to know about a person's events, kept up
 * to date message by message. Like every part of the state they merge
 * commutatively and associatively, so merges, splits and replays keep them
 * exact. Which messages count is decided by definitions the later stages
 * register (their match predicates are theirs); this module only keeps and
 * reads observations.
 */
import type { CollectedMessage } from '../contracts/index.js';
import { canonicalJson, compareJson, compareStrings, mergeRecords, type JsonValue } from './plain-data.js';

/** A message an aggregate counted: event time (ms), message id, and the value it carried, if any. */
export interface Observation {
  readonly t: number;
  readonly id: string;
  readonly v?: JsonValue;
}

export type AggregateAccumulator =
  /** Every observation within a horizon, oldest first: exact windows and sequences. */
  | { readonly kind: 'entries'; readonly entries: readonly Observation[] }
  /** A running summary over all time. */
  | {
      readonly kind: 'summary';
      readonly count: number;
      /** How many observations carried a number, and their sum. */
      readonly numbers: number;
      readonly sum: number;
      readonly min: Observation | null;
      readonly max: Observation | null;
      readonly first: Observation | null;
      readonly last: Observation | null;
      /** Per distinct value (canonical JSON), when the definition asks for it. */
      readonly values: Readonly<Record<string, { readonly v: JsonValue; readonly n: number }>> | null;
    };

export type KeepRule = { readonly kind: 'entries'; readonly horizonMs: number | null } | { readonly kind: 'summary'; readonly countValues: boolean };

export interface AggregateDefinition {
  /** Derived from everything that defines it, so one id always means one definition. */
  readonly id: string;
  /** The event (track event, or page or screen name) it observes: backfills read stored events by it. */
  readonly eventName: string;
  readonly keep: KeepRule;
  /** Undefined when the message does not count; else the value it brings (undefined: none). */
  observe(message: CollectedMessage): { readonly value: JsonValue | undefined } | undefined;
}

/** The aggregates currently defined; the set changes as segments and computed traits come and go. */
export interface AggregateRegistry {
  definitions(): readonly AggregateDefinition[];
  get(id: string): AggregateDefinition | undefined;
}

export const emptyRegistry: AggregateRegistry = { definitions: () => [], get: () => undefined };

/** Most observations an `entries` aggregate keeps without a horizon; the oldest go first. */
export const maxEntries = 10_000;

const byTime = (a: Observation, b: Observation): number => a.t - b.t || compareStrings(a.id, b.id);

function observationOf(t: number, id: string, value: JsonValue | undefined): Observation {
  return value === undefined ? { t, id } : { t, id, v: value };
}

/** The accumulator one observation makes under a keep rule. */
export function accumulateObservation(keep: KeepRule, observation: Observation): AggregateAccumulator {
  if (keep.kind === 'entries') return { kind: 'entries', entries: [observation] };
  const value = observation.v;
  const isNumber = typeof value === 'number';
  return {
    kind: 'summary',
    count: 1,
    numbers: isNumber ? 1 : 0,
    sum: isNumber ? value : 0,
    min: value === undefined ? null : observation,
    max: value === undefined ? null : observation,
    first: observation,
    last: observation,
    values: keep.countValues && value !== undefined ? { [canonicalJson(value)]: { v: value, n: 1 } } : keep.countValues ? {} : null,
  };
}

/** What a message adds to each registered aggregate that counts it. */
export function aggregatesOfMessage(message: CollectedMessage, timestamp: string, registry: AggregateRegistry): Record<string, AggregateAccumulator> {
  const result: Record<string, AggregateAccumulator> = {};
  const t = Date.parse(timestamp);
  for (const definition of registry.definitions()) {
    const seen = definition.observe(message);
    if (seen !== undefined) result[definition.id] = accumulateObservation(definition.keep, observationOf(t, message.messageId, seen.value));
  }
  return result;
}

const pick = (a: Observation | null, b: Observation | null, better: (x: Observation, y: Observation) => boolean): Observation | null =>
  a === null ? b : b === null ? a : better(b, a) ? b : a;
/** Values ordered as JSON, ties broken by time then id, so the choice never depends on merge order. */
const valueOrder = (x: Observation, y: Observation): number => compareJson(x.v ?? null, y.v ?? null) || byTime(x, y);

function mergeEntries(a: readonly Observation[], b: readonly Observation[]): Observation[] {
  const merged: Observation[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    const next = y === undefined || (x !== undefined && byTime(x, y) <= 0) ? (i++, x) : (j++, y);
    if (next === undefined) break;
    const last = merged.at(-1);
    if (last === undefined || byTime(last, next) !== 0) merged.push(next);
  }
  return merged.length > maxEntries ? merged.slice(merged.length - maxEntries) : merged;
}

/** Commutative and associative; both sides come from one definition, so they are of one kind. */
export function mergeAggregate(a: AggregateAccumulator, b: AggregateAccumulator): AggregateAccumulator {
  if (a.kind === 'entries' && b.kind === 'entries') return { kind: 'entries', entries: mergeEntries(a.entries, b.entries) };
  if (a.kind === 'summary' && b.kind === 'summary') {
    return {
      kind: 'summary',
      count: a.count + b.count,
      numbers: a.numbers + b.numbers,
      sum: a.sum + b.sum,
      min: pick(a.min, b.min, (x, y) => valueOrder(x, y) < 0),
      max: pick(a.max, b.max, (x, y) => valueOrder(x, y) > 0),
      first: pick(a.first, b.first, (x, y) => byTime(x, y) < 0),
      last: pick(a.last, b.last, (x, y) => byTime(x, y) > 0),
      values:
        a.values === null || b.values === null
          ? (a.values ?? b.values)
          : mergeRecords(a.values, b.values, (x, y) => ({ v: x.v, n: x.n + y.n })),
    };
  }
  // Different kinds under one id cannot come from one definition; keep the entries, the exact side.
  return a.kind === 'entries' ? a : b;
}

export const mergeAggregates = (
  a: Readonly<Record<string, AggregateAccumulator>>,
  b: Readonly<Record<string, AggregateAccumulator>>,
): Readonly<Record<string, AggregateAccumulator>> => mergeRecords(a, b, mergeAggregate);

/**
 * Drops what can never count again: observations older than their horizon at
 * `now`, and aggregates no longer defined. Time only moves forward, so this
 * loses nothing a later read could need.
 */
export function pruneAggregates(
  aggregates: Readonly<Record<string, AggregateAccumulator>>,
  registry: AggregateRegistry,
  now: number,
): Readonly<Record<string, AggregateAccumulator>> {
  let changed = false;
  const kept: Record<string, AggregateAccumulator> = {};
  for (const [id, accumulator] of Object.entries(aggregates)) {
    const definition = registry.get(id);
    if (definition === undefined) {
      changed = true;
      continue;
    }
    const horizon = definition.keep.kind === 'entries' ? definition.keep.horizonMs : null;
    if (accumulator.kind === 'entries' && horizon !== null && (accumulator.entries[0]?.t ?? Infinity) <= now - horizon) {
      changed = true;
      kept[id] = { kind: 'entries', entries: accumulator.entries.filter((o) => o.t > now - horizon) };
      continue;
    }
    kept[id] = accumulator;
  }
  return changed ? kept : aggregates;
}

/** Observations within (now - windowMs, now], or all of them without a window. */
export function observationsIn(accumulator: AggregateAccumulator | undefined, now: number, windowMs: number | null): readonly Observation[] {
  if (accumulator === undefined || accumulator.kind !== 'entries') return [];
  return windowMs === null ? accumulator.entries : accumulator.entries.filter((o) => o.t > now - windowMs && o.t <= now);
}
