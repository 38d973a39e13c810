import { internalContextOf, type Channel, type CollectedMessage, type Condition, type EventMatch, type Span } from '../contracts/index.js';
import type { AggregateDefinition, ProfileRules } from '../profiles/index.js';
import { aggregateIdOf, aggregatesOfCondition, countAggregate, eventNameOf } from './aggregate-history.js';
import { predicateOf, type Predicate } from './evaluate.js';
import type { ProfileFacts } from './facts.js';
import { localDay, parseIsoDate, spanToMs, valueAt } from './values.js';

/** What a condition reads, so a message re-evaluates only the segments it could change. */
export interface Dependencies {
  readonly events: ReadonlySet<string>;
  readonly traits: ReadonlySet<string>;
  readonly segments: ReadonlySet<string>;
  /** Whether it reads consent (a message's consent object or identify traits may change it). */
  readonly consent: boolean;
  /** The identifier types whose presence it tests (a message carrying one may add it). */
  readonly identifierTypes: ReadonlySet<string>;
  /** The channels it asks whether the profile was seen on (a message through one adds it). */
  readonly channels: ReadonlySet<Channel>;
  /** Windows, relative dates or birthdays: time alone may change the outcome. */
  readonly timed: boolean;
}

/** What the segment set needs to know of computed traits. */
export interface ComputedTraitInfo {
  has(name: string): boolean;
  eventsOf(name: string): readonly string[];
  isTimed(name: string): boolean;
}

const noComputedTraits: ComputedTraitInfo = { has: () => false, eventsOf: () => [], isTimed: () => false };

/** Whether two sets share an element; for every message and live segment, so without building arrays. */
function overlaps<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  for (const item of a) if (b.has(item)) return true;
  return false;
}

/** A condition that is not `and`, `or` or `not`. */
type LeafCondition = Exclude<Condition, { readonly kind: 'and' | 'or' | 'not' }>;

/** The leaves of a condition tree, left to right. */
function* leavesOf(condition: Condition): Generator<LeafCondition> {
  switch (condition.kind) {
    case 'and':
    case 'or':
      for (const child of condition.conditions) yield* leavesOf(child);
      return;
    case 'not':
      yield* leavesOf(condition.condition);
      return;
    default:
      yield condition;
  }
}

export function dependenciesOf(condition: Condition, computed: ComputedTraitInfo = noComputedTraits): Dependencies {
  const events = new Set<string>();
  const traits = new Set<string>();
  const segments = new Set<string>();
  const identifierTypes = new Set<string>();
  const channels = new Set<Channel>();
  let consent = false;
  let timed = false;
  for (const node of leavesOf(condition)) {
    switch (node.kind) {
      case 'trait': {
        const name = node.trait.split('.')[0] ?? node.trait;
        traits.add(name);
        if (node.test.op === 'within_last' || node.test.op === 'birthday_in') timed = true;
        // A computed trait changes when its events arrive, and as its window slides.
        for (const event of computed.eventsOf(name)) events.add(event);
        if (computed.isTimed(name)) timed = true;
        break;
      }
      case 'event':
        events.add(node.match.event);
        if (node.window !== undefined) timed = true;
        break;
      case 'sequence':
        events.add(node.first.event).add(node.then.event);
        if (node.window !== undefined) timed = true;
        break;
      case 'segment':
        segments.add(node.segment);
        break;
      case 'consent':
        consent = true;
        break;
      case 'identifier':
        identifierTypes.add(node.type);
        break;
      case 'channel':
        channels.add(node.channel);
    }
  }
  return { events, traits, segments, consent, identifierTypes, channels, timed };
}

export interface LiveSegment {
  readonly id: string;
  readonly name: string;
  readonly condition: Condition;
  readonly predicate: Predicate;
  readonly dependencies: Dependencies;
}

/** The first local midnight after `now` in a time zone (when "birthday in N days" can change), to the millisecond. */
export function nextLocalMidnight(now: number, timeZone: string): number {
  return localDay(now, timeZone).until;
}

/** A part of a condition that time alone can change (see SegmentSet.nextChange). */
type TimedLeaf =
  /** A trait that may change with time by itself (a computed trait over a rolling window). */
  | { readonly kind: 'trait'; readonly trait: string }
  | { readonly kind: 'within_last'; readonly path: string; readonly spanMs: number }
  | { readonly kind: 'birthday'; readonly path: string }
  /** Events entering or leaving a window. */
  | { readonly kind: 'window'; readonly match: EventMatch; readonly window: Span };

/**
 * The timed parts of some conditions, each once: live segments built from
 * the same vocabulary ask about the same windows and traits many times over,
 * and every evaluated profile needs its next moment of change.
 */
function timedLeavesOf(conditions: readonly Condition[]): TimedLeaf[] {
  const leaves = new Map<string, TimedLeaf>();
  const add = (key: string, leaf: TimedLeaf): void => {
    if (!leaves.has(key)) leaves.set(key, leaf);
  };
  const window = (match: EventMatch, span: Span): void => add(`window:${aggregateIdOf(match, countAggregate(match, span).keep)}`, { kind: 'window', match, window: span });
  for (const node of conditions.flatMap((condition) => [...leavesOf(condition)])) {
    switch (node.kind) {
      case 'trait': {
        const trait = node.trait.split('.')[0] ?? node.trait;
        add(`trait:${trait}`, { kind: 'trait', trait });
        if (node.test.op === 'within_last') {
          const spanMs = spanToMs(node.test.span);
          add(`within_last:${spanMs}:${node.trait}`, { kind: 'within_last', path: node.trait, spanMs });
        } else if (node.test.op === 'birthday_in') {
          add(`birthday:${node.trait}`, { kind: 'birthday', path: node.trait });
        }
        break;
      }
      case 'event':
        if (node.window !== undefined) window(node.match, node.window);
        break;
      case 'sequence':
        if (node.window !== undefined) {
          window(node.first, node.window);
          window(node.then, node.window);
        }
    }
  }
  return [...leaves.values()];
}

/**
 * The live segments, in dependency order (a segment after the segments it
 * mentions), with what each reads. Immutable: a change of definitions builds
 * a new set.
 */
export class SegmentSet {
  readonly ordered: readonly LiveSegment[];
  readonly #byName: ReadonlyMap<string, LiveSegment>;
  readonly #dependents: ReadonlyMap<string, readonly LiveSegment[]>;
  /** What `nextChange` looks at, once each however many segments ask the same. */
  readonly #timedLeaves: readonly TimedLeaf[];

  constructor(segments: readonly { id: string; name: string; condition: Condition }[], computed: ComputedTraitInfo = noComputedTraits) {
    const live = segments.map((s) => ({ ...s, predicate: predicateOf(s.condition), dependencies: dependenciesOf(s.condition, computed) }));
    const byName = new Map(live.map((s) => [s.name, s]));
    const ordered: LiveSegment[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const place = (segment: LiveSegment): void => {
      if (state.get(segment.name) === 'done') return;
      if (state.get(segment.name) === 'visiting') throw new Error(`segments refer to each other in a cycle through "${segment.name}"`);
      state.set(segment.name, 'visiting');
      for (const name of segment.dependencies.segments) {
        const other = byName.get(name);
        if (other) place(other);
      }
      state.set(segment.name, 'done');
      ordered.push(segment);
    };
    live.forEach(place);
    const dependents = new Map<string, LiveSegment[]>();
    for (const segment of live) {
      for (const name of segment.dependencies.segments) dependents.set(name, [...(dependents.get(name) ?? []), segment]);
    }
    this.ordered = ordered;
    this.#byName = byName;
    this.#dependents = dependents;
    this.#timedLeaves = timedLeavesOf(ordered.filter((s) => s.dependencies.timed).map((s) => s.condition));
  }

  /** Every event aggregate the segments read. */
  aggregates(): AggregateDefinition[] {
    const byId = new Map<string, AggregateDefinition>();
    for (const segment of this.ordered) for (const definition of aggregatesOfCondition(segment.condition)) byId.set(definition.id, definition);
    return [...byId.values()];
  }

  /**
   * The segments a message may change for its profile: those reading its
   * event, the traits or consent it can set, the identifier types it
   * carries (`identifierTypes`), or the channel it adds; then whatever
   * depends on those. A merge can change anything: see SegmentStage.
   */
  affectedBy(message: CollectedMessage, rules: ProfileRules, identifierTypes: ReadonlySet<string>): Set<string> {
    const name = eventNameOf(message);
    const setsTraits = message.type === 'identify' || message.type === 'group' || message.type === 'alias';
    const mapped = new Set((name === undefined ? [] : (rules.traitsFromEvents.get(name) ?? [])).map((m) => m.trait));
    const setsConsent = valueAt(message.context, 'consent') !== undefined || message.type === 'identify';
    // What Tessera says about a person adds no channel (see contributionOf).
    const channel = internalContextOf(message) === undefined ? message.channel : undefined;
    const affected = new Set<string>();
    for (const segment of this.ordered) {
      const d = segment.dependencies;
      if (
        (name !== undefined && d.events.has(name)) ||
        (setsTraits && d.traits.size > 0) ||
        (setsConsent && d.consent) ||
        (channel !== undefined && d.channels.has(channel)) ||
        overlaps(d.identifierTypes, identifierTypes) ||
        overlaps(d.traits, mapped)
      ) {
        affected.add(segment.name);
      }
    }
    return this.#withDependents(affected);
  }

  /** Segments whose outcome time alone can change. */
  timed(): Set<string> {
    return this.#withDependents(new Set(this.ordered.filter((s) => s.dependencies.timed).map((s) => s.name)));
  }

  all(): Set<string> {
    return new Set(this.ordered.map((s) => s.name));
  }

  /**
   * Evaluates the named segments (in dependency order, each seeing the
   * memberships decided before it) and returns the memberships after.
   */
  evaluate(facts: ProfileFacts, names: ReadonlySet<string>, now: number): Set<string> {
    const members = new Set(facts.segments);
    const seen = { ...facts, segments: members };
    for (const segment of this.ordered) {
      if (!names.has(segment.name)) continue;
      const isMember = segment.predicate(seen, now);
      if (isMember) members.add(segment.name);
      else members.delete(segment.name);
    }
    // Memberships of segments no longer defined are not carried forward.
    for (const name of members) if (!this.#byName.has(name)) members.delete(name);
    return members;
  }

  /** The first moment after `now` at which time alone could change any timed segment for these facts. */
  nextChange(facts: ProfileFacts, now: number): number | null {
    let next: number | null = null;
    const consider = (moment: number | null): void => {
      if (moment !== null && moment > now && (next === null || moment < next)) next = moment;
    };
    for (const leaf of this.#timedLeaves) {
      switch (leaf.kind) {
        case 'trait':
          consider(facts.nextTraitChange?.(leaf.trait, now) ?? null);
          break;
        case 'within_last': {
          const at = parseIsoDate(valueAt(facts.traits, leaf.path));
          if (at !== undefined) [at, at + leaf.spanMs].forEach(consider);
          break;
        }
        case 'birthday':
          if (parseIsoDate(valueAt(facts.traits, leaf.path)) !== undefined) consider(nextLocalMidnight(now, facts.timeZone));
          break;
        case 'window':
          consider(facts.events.nextWindowChange(leaf.match, leaf.window, now));
      }
    }
    return next;
  }

  #withDependents(names: Set<string>): Set<string> {
    const queue = [...names];
    while (queue.length > 0) {
      const name = queue.pop() ?? '';
      for (const dependent of this.#dependents.get(name) ?? []) {
        if (!names.has(dependent.name)) {
          names.add(dependent.name);
          queue.push(dependent.name);
        }
      }
    }
    return names;
  }
}
