/**
 * Survivorship: which value of a trait the golden record shows. Each rule
 * keeps an accumulator whose merge is commutative and associative, so a
 * profile's trait is the same whatever order its messages arrived in and
 * however its fragments were grouped. Every comparison is total (lineage, then
 * value), so even two values carried by the same message resolve the same way.
 */
import { survivorshipRules, type SurvivorshipRule } from '../contracts/index.js';
import { canonicalJson, compareJson, compareStrings, isJsonArray, mergeRecords, own, sortedRecord, type JsonValue } from './plain-data.js';

/** Where a value came from. */
export interface Lineage {
  readonly sourceId: string;
  readonly messageId: string;
  /** ISO event time, normalized by `toISOString`. */
  readonly timestamp: string;
}

export interface Stamped {
  readonly value: JsonValue;
  readonly lineage: Lineage;
}

/** A distinct value, how many messages carried it, and the latest of them. */
export interface Tally extends Stamped {
  readonly count: number;
}

type PickRule = 'latest' | 'first' | 'max' | 'min';
/** latest, first, max and min each keep one value: the best so far by their order. */
export interface PickAccumulator<R extends PickRule = PickRule> {
  readonly rule: R;
  readonly pick: Stamped;
}
/** Counts per distinct value, keyed by canonical JSON. */
export interface MostFrequentAccumulator {
  readonly rule: 'most_frequent';
  readonly tallies: Readonly<Record<string, Tally>>;
}
/** Distinct values (elements of arrays), keyed by canonical JSON, each with its latest lineage. */
export interface UnionAccumulator {
  readonly rule: 'union';
  readonly members: Readonly<Record<string, Stamped>>;
}
/** The latest value of each source, keyed by source id. */
export interface SourcePriorityAccumulator {
  readonly rule: 'source_priority';
  readonly bySource: Readonly<Record<string, Stamped>>;
}

interface AccumulatorByRule {
  latest: PickAccumulator<'latest'>;
  first: PickAccumulator<'first'>;
  max: PickAccumulator<'max'>;
  min: PickAccumulator<'min'>;
  most_frequent: MostFrequentAccumulator;
  union: UnionAccumulator;
  source_priority: SourcePriorityAccumulator;
}
export type RuleAccumulator = AccumulatorByRule[SurvivorshipRule];

/**
 * What a trait becomes when data accumulated under different rules meets
 * (the configuration changed and not every message was replayed). `mergeStates`
 * does not know the configured rule, and converting one rule's accumulator into
 * another's at merge time cannot be associative (`first` has forgotten what
 * `latest` needs), so both are kept side by side, one part per rule in
 * `survivorshipRules` order, each merging by its own rule. `readAs` converts
 * them to the configured rule when the golden record is read. There are
 * always at least two parts; replaying the messages under one rule removes it.
 */
export interface MixedAccumulator {
  readonly rule: 'mixed';
  readonly parts: readonly RuleAccumulator[];
}

export type TraitAccumulator = RuleAccumulator | MixedAccumulator;

/** Time, then message id, then source id: distinct for distinct messages. */
export const compareLineage = (a: Lineage, b: Lineage): number =>
  compareStrings(a.timestamp, b.timestamp) || compareStrings(a.messageId, b.messageId) || compareStrings(a.sourceId, b.sourceId);

/** Lineage, then value: total even when one message carries two values of a trait. */
const compareStamped = (a: Stamped, b: Stamped): number => compareLineage(a.lineage, b.lineage) || compareJson(a.value, b.value);
const byValueThenLineage = (a: Stamped, b: Stamped): number => compareJson(a.value, b.value) || compareStamped(a, b);
/** Smaller value is better; among equal values the latest lineage is kept, as for max. */
const byReverseValueThenLineage = (a: Stamped, b: Stamped): number => compareJson(b.value, a.value) || compareStamped(a, b);

const greatest = <T>(compare: (a: T, b: T) => number, a: T, b: T): T => (compare(a, b) >= 0 ? a : b);
const later = (a: Stamped, b: Stamped): Stamped => greatest(compareStamped, a, b);
const pickOrders: Record<PickRule, (a: Stamped, b: Stamped) => number> = {
  latest: compareStamped,
  first: (a, b) => compareStamped(b, a),
  max: byValueThenLineage,
  min: byReverseValueThenLineage,
};

const keyed = <T extends Stamped>(items: readonly T[]): Readonly<Record<string, T>> =>
  sortedRecord(items.map((item) => [canonicalJson(item.value), item] as const));

/**
 * The accumulator of one value under `rule`; `count` is how many messages it
 * stands for (more than one only when re-reading a most_frequent tally).
 * Undefined for an empty array under union: it adds nothing.
 */
export function accumulate(rule: SurvivorshipRule, value: JsonValue, lineage: Lineage, count = 1): RuleAccumulator | undefined {
  const stamped = { value, lineage };
  switch (rule) {
    case 'latest':
    case 'first':
    case 'max':
    case 'min':
      return { rule, pick: stamped };
    case 'most_frequent':
      return { rule, tallies: keyed([{ ...stamped, count }]) };
    case 'union': {
      const elements = isJsonArray(value) ? value : [value];
      return elements.length === 0 ? undefined : { rule, members: keyed(elements.map((element) => ({ value: element, lineage }))) };
    }
    case 'source_priority':
      return { rule, bySource: { [lineage.sourceId]: stamped } };
  }
}

type Merger<R extends SurvivorshipRule> = (a: AccumulatorByRule[R], b: AccumulatorByRule[R]) => AccumulatorByRule[R];
const addTallies = (a: Tally, b: Tally): Tally => ({ ...later(a, b), count: a.count + b.count });
const mergePicks = <R extends PickRule>(a: PickAccumulator<R>, b: PickAccumulator<R>): PickAccumulator<R> => ({
  rule: a.rule,
  pick: greatest(pickOrders[a.rule], a.pick, b.pick),
});

const mergers: { [R in SurvivorshipRule]: Merger<R> } = {
  latest: mergePicks,
  first: mergePicks,
  max: mergePicks,
  min: mergePicks,
  most_frequent: (a, b) => ({ rule: 'most_frequent', tallies: mergeRecords(a.tallies, b.tallies, addTallies) }),
  union: (a, b) => ({ rule: 'union', members: mergeRecords(a.members, b.members, later) }),
  source_priority: (a, b) => ({ rule: 'source_priority', bySource: mergeRecords(a.bySource, b.bySource, later) }),
};

/** Merges two accumulators of the same rule (callers check that the rules agree). */
const mergeSameRule = <R extends SurvivorshipRule>(rule: R, a: AccumulatorByRule[R], b: AccumulatorByRule[R]): AccumulatorByRule[R] =>
  mergers[rule](a, b);

const partsOf = (accumulator: TraitAccumulator): readonly RuleAccumulator[] =>
  accumulator.rule === 'mixed' ? accumulator.parts : [accumulator];

/**
 * Same rule: that rule's merge. Different rules: a mixed accumulator, merged
 * part by part. Seen as sets of parts (a plain accumulator being a set of
 * one), this is a product of the rules' merges, hence still commutative and
 * associative.
 */
export function mergeAccumulators(a: TraitAccumulator, b: TraitAccumulator): TraitAccumulator {
  const byRule = new Map<SurvivorshipRule, RuleAccumulator>();
  for (const part of [...partsOf(a), ...partsOf(b)]) {
    const seen = byRule.get(part.rule);
    byRule.set(part.rule, seen === undefined ? part : mergeSameRule(part.rule, seen, part));
  }
  const parts = survivorshipRules.flatMap((rule) => byRule.get(rule) ?? []);
  return parts.length === 1 ? parts[0]! : { rule: 'mixed', parts };
}

/** The values an accumulator still holds, each with its lineage and weight. */
function witnesses(accumulator: RuleAccumulator): readonly Tally[] {
  const once = (stamped: Stamped): Tally => ({ ...stamped, count: 1 });
  switch (accumulator.rule) {
    case 'latest':
    case 'first':
    case 'max':
    case 'min':
      return [once(accumulator.pick)];
    case 'most_frequent':
      return Object.values(accumulator.tallies);
    case 'union':
      return Object.values(accumulator.members).map(once);
    case 'source_priority':
      return Object.values(accumulator.bySource).map(once);
  }
}

/** Every value a trait's accumulator holds (all parts of a mixed one), with lineage and weight: what a data export shows. */
export const heldValues = (accumulator: TraitAccumulator): Tally[] =>
  partsOf(accumulator)
    .flatMap(witnesses)
    .sort((a, b) => compareStamped(a, b));

/**
 * The accumulator read as `rule`. A part already of that rule is used as is;
 * any other part is read through the values it still holds (with their
 * lineage, and their counts for most_frequent), fed to `rule` and merged by
 * it. That is lossy (a `first` part no longer knows later values; a union part
 * holds array elements, not the arrays) but deterministic, and exact whenever
 * the data was accumulated under `rule`. Undefined when nothing is left.
 */
export function readAs(accumulator: TraitAccumulator, rule: SurvivorshipRule): RuleAccumulator | undefined {
  const converted = partsOf(accumulator).flatMap((part) =>
    part.rule === rule ? [part] : witnesses(part).flatMap((w) => accumulate(rule, w.value, w.lineage, w.count) ?? []),
  );
  return converted.reduce<RuleAccumulator | undefined>((merged, part) => (merged === undefined ? part : mergeSameRule(rule, merged, part)), undefined);
}

/**
 * The surviving value and its lineage. `sources` matters only for
 * source_priority: the first listed source holding a value wins; with none,
 * the latest value of any source (as `latest` would).
 */
export function survivor(accumulator: RuleAccumulator, sources: readonly string[]): Stamped | undefined {
  switch (accumulator.rule) {
    case 'latest':
    case 'first':
    case 'max':
    case 'min':
      return accumulator.pick;
    case 'most_frequent':
      return best(Object.values(accumulator.tallies), (a, b) => a.count - b.count || compareStamped(a, b));
    case 'union': {
      const members = Object.entries(accumulator.members).sort(([a], [b]) => compareStrings(a, b));
      const latest = best(members.map(([, member]) => member), compareStamped);
      return latest && { value: members.map(([, member]) => member.value), lineage: latest.lineage };
    }
    case 'source_priority': {
      const preferred = sources.map((source) => own(accumulator.bySource, source)).find((stamped) => stamped !== undefined);
      return preferred ?? best(Object.values(accumulator.bySource), compareStamped);
    }
  }
}

const best = <T>(items: readonly T[], compare: (a: T, b: T) => number): T | undefined =>
  items.reduce<T | undefined>((winner, item) => (winner === undefined ? item : greatest(compare, winner, item)), undefined);
