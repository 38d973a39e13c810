import type { CollectedMessage, Condition } from '../contracts/index.js';
import type { AggregateDefinition, ProfileRules } from '../profiles/index.js';
import { aggregatesOfCondition, eventNameOf } from './aggregate-history.js';
import { evaluate } from './evaluate.js';
import type { ProfileFacts } from './facts.js';
import { localDay, parseIsoDate, spanToMs, valueAt } from './values.js';

/** What a condition reads, so a message re-evaluates only the segments it could change. */
export interface Dependencies {
  readonly events: ReadonlySet<string>;
  readonly traits: ReadonlySet<string>;
  readonly segments: ReadonlySet<string>;
  /** Consent, identifiers or channels: any message may change them. */
  readonly profile: boolean;
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

export function dependenciesOf(condition: Condition, computed: ComputedTraitInfo = noComputedTraits): Dependencies {
  const events = new Set<string>();
  const traits = new Set<string>();
  const segments = new Set<string>();
  let profile = false;
  let timed = false;
  const visit = (node: Condition): void => {
    switch (node.kind) {
      case 'and':
      case 'or':
        node.conditions.forEach(visit);
        return;
      case 'not':
        visit(node.condition);
        return;
      case 'trait': {
        const name = node.trait.split('.')[0] ?? node.trait;
        traits.add(name);
        if (node.test.op === 'within_last' || node.test.op === 'birthday_in') timed = true;
        // A computed trait changes when its events arrive, and as its window slides.
        for (const event of computed.eventsOf(name)) events.add(event);
        if (computed.isTimed(name)) timed = true;
        return;
      }
      case 'event':
        events.add(node.match.event);
        if (node.window !== undefined) timed = true;
        return;
      case 'sequence':
        events.add(node.first.event).add(node.then.event);
        if (node.window !== undefined) timed = true;
        return;
      case 'segment':
        segments.add(node.segment);
        return;
      default:
        profile = true;
    }
  };
  visit(condition);
  return { events, traits, segments, profile, timed };
}

export interface LiveSegment {
  readonly id: string;
  readonly name: string;
  readonly condition: Condition;
  readonly dependencies: Dependencies;
}

/** The first local midnight after `now` in a time zone (when "birthday in N days" can change), to the millisecond. */
export function nextLocalMidnight(now: number, timeZone: string): number {
  return localDay(now, timeZone).until;
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

  constructor(segments: readonly { id: string; name: string; condition: Condition }[], computed: ComputedTraitInfo = noComputedTraits) {
    const live = segments.map((s) => ({ ...s, dependencies: dependenciesOf(s.condition, computed) }));
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
  }

  /** Every event aggregate the segments read. */
  aggregates(): AggregateDefinition[] {
    const byId = new Map<string, AggregateDefinition>();
    for (const segment of this.ordered) for (const definition of aggregatesOfCondition(segment.condition)) byId.set(definition.id, definition);
    return [...byId.values()];
  }

  /**
   * The segments a message may change for its profile: those reading its
   * event, the traits it can set, its consent, or anything any message can
   * change (identifiers, channels); then whatever depends on those.
   */
  affectedBy(message: CollectedMessage, rules: ProfileRules): Set<string> {
    const name = eventNameOf(message);
    const setsTraits = message.type === 'identify' || message.type === 'group' || message.type === 'alias';
    const mapped = new Set((name === undefined ? [] : (rules.traitsFromEvents.get(name) ?? [])).map((m) => m.trait));
    const consent = valueAt(message.context, 'consent') !== undefined;
    const affected = new Set<string>();
    for (const segment of this.ordered) {
      const d = segment.dependencies;
      if (
        d.profile ||
        (name !== undefined && d.events.has(name)) ||
        (setsTraits && (d.traits.size > 0 || d.profile)) ||
        (consent && d.profile) ||
        [...d.traits].some((t) => mapped.has(t))
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
    for (const segment of this.ordered) {
      if (!names.has(segment.name)) continue;
      const isMember = evaluate(segment.condition, { ...facts, segments: members }, now);
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
    const visit = (node: Condition): void => {
      switch (node.kind) {
        case 'and':
        case 'or':
          node.conditions.forEach(visit);
          return;
        case 'not':
          visit(node.condition);
          return;
        case 'trait': {
          consider(facts.nextTraitChange?.(node.trait.split('.')[0] ?? node.trait, now) ?? null);
          const value = valueAt(facts.traits, node.trait);
          if (node.test.op === 'within_last') {
            const at = parseIsoDate(value);
            if (at !== undefined) [at, at + spanToMs(node.test.span)].forEach(consider);
          } else if (node.test.op === 'birthday_in' && parseIsoDate(value) !== undefined) {
            consider(nextLocalMidnight(now, facts.timeZone));
          }
          return;
        }
        case 'event':
          if (node.window !== undefined) consider(facts.events.nextWindowChange(node.match, node.window, now));
          return;
        case 'sequence':
          if (node.window !== undefined) {
            consider(facts.events.nextWindowChange(node.first, node.window, now));
            consider(facts.events.nextWindowChange(node.then, node.window, now));
          }
          return;
        default:
          return;
      }
    };
    for (const segment of this.ordered) if (segment.dependencies.timed) visit(segment.condition);
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
