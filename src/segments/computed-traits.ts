/**
 * Computed traits: values derived from a person's events (an aggregate over an
 * event, filtered, over all time or a rolling window) or from other traits (an
 * expression). Aggregates are kept in the golden record like the event
 * conditions of segments, so a value is always computed at the moment it is
 * read: exact, and current as a window slides, without a nightly job.
 */
import { createHash } from 'node:crypto';
import {
  valueFunctions,
  type AggregateFunction,
  type EventMatch,
  type Span,
} from '../contracts/index.js';
import type { FieldProblem } from '../lib/errors.js';
import { err, ok, type Result } from '../lib/result.js';
import {
  canonicalJson,
  compareJson,
  observationsIn,
  toJsonValue,
  type AggregateAccumulator,
  type AggregateDefinition,
  type JsonValue,
  type KeepRule,
  type Observation,
} from '../profiles/index.js';
import type { ComputedTraitRecord } from '../store/index.js';
import { eventNameOf } from './aggregate-history.js';
import { readFilters } from './check.js';
import { matchesEvent, nextChangeOf } from './event-list.js';
import { evaluateExpression, parseExpression, traitsOf, type Expression } from './expression.js';
import { SyntaxProblem } from './lexer.js';
import { spanToMs, valueAt } from './values.js';

/** A computed trait ready to be read. */
export interface CompiledTrait {
  readonly id: string;
  readonly name: string;
  /** The aggregate an aggregate trait reads; undefined for expressions. */
  readonly aggregate: AggregateDefinition | undefined;
  readonly windowMs: number | null;
  /** Other traits an expression reads. */
  readonly reads: ReadonlySet<string>;
  value(aggregates: Readonly<Record<string, AggregateAccumulator>>, traits: Readonly<Record<string, unknown>>, now: number): JsonValue;
}

export const computedAggregateId = (match: EventMatch, property: string | undefined, keep: KeepRule): string =>
  `cta_${createHash('sha256').update(JSON.stringify({ event: match.event, where: match.where, property: property ?? null, keep })).digest('base64url').slice(0, 16)}`;

function aggregateValue(fn: AggregateFunction, accumulator: AggregateAccumulator | undefined, windowMs: number | null, now: number): JsonValue {
  if (accumulator?.kind === 'summary') {
    switch (fn) {
      case 'count':
        return accumulator.count;
      case 'exists':
        return accumulator.count > 0;
      case 'sum':
        return accumulator.sum;
      case 'avg':
        return accumulator.numbers === 0 ? null : accumulator.sum / accumulator.numbers;
      case 'min':
        return accumulator.min?.v ?? null;
      case 'max':
        return accumulator.max?.v ?? null;
      case 'first':
        return accumulator.first?.v ?? null;
      case 'last':
        return accumulator.last?.v ?? null;
      case 'most_frequent':
        return mostFrequent(Object.values(accumulator.values ?? {}).map((e) => [e.v, e.n] as const));
      case 'unique_count':
        return Object.keys(accumulator.values ?? {}).length;
    }
  }
  return valueOf(fn, observationsIn(accumulator, now, windowMs));
}

/** Highest count wins; ties go to the smallest value in JSON order, so the choice never depends on arrival. */
function mostFrequent(counts: readonly (readonly [JsonValue, number])[]): JsonValue {
  let best: readonly [JsonValue, number] | undefined;
  for (const entry of counts) {
    if (best === undefined || entry[1] > best[1] || (entry[1] === best[1] && compareJson(entry[0], best[0]) < 0)) best = entry;
  }
  return best?.[0] ?? null;
}

function valueOf(fn: AggregateFunction, observations: readonly Observation[]): JsonValue {
  const values = observations.map((o) => o.v).filter((v): v is JsonValue => v !== undefined);
  const numbers = values.filter((v): v is number => typeof v === 'number');
  switch (fn) {
    case 'count':
      return observations.length;
    case 'exists':
      return observations.length > 0;
    case 'sum':
      return numbers.reduce((a, b) => a + b, 0);
    case 'avg':
      return numbers.length === 0 ? null : numbers.reduce((a, b) => a + b, 0) / numbers.length;
    case 'min':
    case 'max': {
      const sorted = [...values].sort(compareJson);
      return (fn === 'min' ? sorted[0] : sorted.at(-1)) ?? null;
    }
    case 'first':
      return observations[0]?.v ?? null;
    case 'last':
      return observations.at(-1)?.v ?? null;
    case 'most_frequent':
    case 'unique_count': {
      const counts = new Map<string, [JsonValue, number]>();
      for (const v of values) {
        const key = canonicalJson(v);
        counts.set(key, [v, (counts.get(key)?.[1] ?? 0) + 1]);
      }
      return fn === 'unique_count' ? counts.size : mostFrequent([...counts.values()]);
    }
  }
}

/** Checks and compiles a definition; problems name the field. */
export function compileTrait(record: Pick<ComputedTraitRecord, 'id' | 'name' | 'definition'>): Result<CompiledTrait, FieldProblem[]> {
  const { definition } = record;
  if (definition.kind === 'expression') {
    let expression: Expression;
    try {
      expression = parseExpression(definition.expression);
    } catch (error) {
      if (!(error instanceof SyntaxProblem)) throw error;
      return err([{ field: 'definition.expression', rule: 'syntax', message: error.message, line: error.line, column: error.column, expected: error.expected } as FieldProblem]);
    }
    return ok({
      id: record.id,
      name: record.name,
      aggregate: undefined,
      windowMs: null,
      reads: traitsOf(expression),
      value: (_aggregates, traits) => evaluateExpression(expression, traits),
    });
  }
  const where = readFilters(definition.where, 'definition.where');
  if (!where.ok) return err(where.error);
  if (valueFunctions.includes(definition.function) && definition.property === undefined) {
    return err([{ field: 'definition.property', rule: 'required', message: `${definition.function} needs the property whose values it aggregates` }]);
  }
  const match: EventMatch = { event: definition.event, where: where.value };
  const window: Span | undefined = definition.window;
  const windowMs = window === undefined ? null : spanToMs(window);
  const countsValues = definition.function === 'most_frequent' || definition.function === 'unique_count';
  const keep: KeepRule = windowMs !== null ? { kind: 'entries', horizonMs: windowMs } : { kind: 'summary', countValues: countsValues };
  const property = definition.property;
  const aggregate: AggregateDefinition = {
    id: computedAggregateId(match, property, keep),
    eventName: match.event,
    keep,
    observe(message) {
      const name = eventNameOf(message);
      if (name === undefined || !matchesEvent(name, message.properties ?? {}, match)) return undefined;
      return { value: property === undefined ? undefined : toJsonValue(valueAt(message.properties ?? {}, property)) };
    },
  };
  const fn = definition.function;
  return ok({
    id: record.id,
    name: record.name,
    aggregate,
    windowMs,
    reads: new Set(),
    value: (aggregates, _traits, now) => aggregateValue(fn, aggregates[aggregate.id], windowMs, now),
  });
}

/** When a windowed aggregate trait can change by time alone: the next observation to enter or leave the window. */
export function nextTraitChange(trait: CompiledTrait, aggregates: Readonly<Record<string, AggregateAccumulator>>, now: number): number | null {
  if (trait.aggregate === undefined || trait.windowMs === null) return null;
  return nextChangeOf(observationsIn(aggregates[trait.aggregate.id], now, null), trait.windowMs, now);
}

/**
 * The computed traits in dependency order (an expression after the computed
 * traits it reads), with what each depends on, transitively.
 */
export class ComputedTraitSet {
  readonly ordered: readonly CompiledTrait[];
  readonly #byName: ReadonlyMap<string, CompiledTrait>;

  constructor(traits: readonly CompiledTrait[]) {
    const byName = new Map(traits.map((t) => [t.name, t]));
    const ordered: CompiledTrait[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const place = (trait: CompiledTrait): void => {
      if (state.get(trait.name) === 'done') return;
      if (state.get(trait.name) === 'visiting') throw new Error(`computed traits read each other in a cycle through "${trait.name}"`);
      state.set(trait.name, 'visiting');
      for (const name of trait.reads) {
        const other = byName.get(name);
        if (other) place(other);
      }
      state.set(trait.name, 'done');
      ordered.push(trait);
    };
    traits.forEach(place);
    this.ordered = ordered;
    this.#byName = byName;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** Every computed trait's value at `now`; each sees the traits and the computed values before it. */
  values(aggregates: Readonly<Record<string, AggregateAccumulator>>, traits: Readonly<Record<string, unknown>>, now: number): Record<string, JsonValue> {
    const seen: Record<string, unknown> = { ...traits };
    const values: Record<string, JsonValue> = {};
    for (const trait of this.ordered) {
      const value = trait.value(aggregates, seen, now);
      seen[trait.name] = value;
      values[trait.name] = value;
    }
    return values;
  }

  /** The computed traits a trait stands on, itself included (empty for a plain trait). */
  #closure(name: string): CompiledTrait[] {
    const found = new Map<string, CompiledTrait>();
    const visit = (n: string): void => {
      const trait = this.#byName.get(n);
      if (trait === undefined || found.has(n)) return;
      found.set(n, trait);
      trait.reads.forEach(visit);
    };
    visit(name);
    return [...found.values()];
  }

  /** Events whose arrival can change the trait. */
  eventsOf(name: string): string[] {
    return this.#closure(name).flatMap((t) => (t.aggregate ? [t.aggregate.eventName] : []));
  }

  /** Whether time alone can change the trait (it reads a rolling window). */
  isTimed(name: string): boolean {
    return this.#closure(name).some((t) => t.windowMs !== null);
  }

  /** The next moment time alone can change the trait. */
  nextChange(name: string, aggregates: Readonly<Record<string, AggregateAccumulator>>, now: number): number | null {
    let next: number | null = null;
    for (const trait of this.#closure(name)) {
      const moment = nextTraitChange(trait, aggregates, now);
      if (moment !== null && (next === null || moment < next)) next = moment;
    }
    return next;
  }

  aggregates(): AggregateDefinition[] {
    return this.ordered.flatMap((t) => (t.aggregate ? [t.aggregate] : []));
  }
}
