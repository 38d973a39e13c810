import type { Condition } from '../contracts/index.js';
import type { AggregateDefinition, AggregateRegistry } from '../profiles/index.js';
import type { ComputedTraitRecord, SegmentRecord } from '../store/index.js';
import { aggregatesOfCondition } from './aggregate-history.js';
import { ComputedTraitSet, compileTrait, type CompiledTrait } from './computed-traits.js';
import { SegmentSet } from './segment-set.js';

/**
 * The definitions Tessera keeps current, as the stages see them: live
 * segments (evaluated on every relevant change) and computed traits. It is
 * also the registry of event aggregates the unify stage feeds: those of live
 * and building segments and of computed traits.
 */
export class SegmentCatalog implements AggregateRegistry {
  #segments: readonly SegmentRecord[] = [];
  #traits: readonly ComputedTraitRecord[] = [];
  #live = new SegmentSet([]);
  #computed = new ComputedTraitSet([]);
  #aggregates = new Map<string, AggregateDefinition>();
  #segmentsById = new Map<string, SegmentRecord>();
  /** Conditions later stages evaluate (journey branches and exits), whose event aggregates must be fed too. */
  #conditions: readonly Condition[] = [];
  /** Computed traits defined in code (the channels' affinity), always present; their names are taken. */
  readonly #builtInTraits: readonly CompiledTrait[];

  constructor(segments: readonly SegmentRecord[] = [], traits: readonly ComputedTraitRecord[] = [], builtInTraits: readonly CompiledTrait[] = []) {
    this.#segments = segments;
    this.#traits = traits;
    this.#builtInTraits = builtInTraits;
    this.#rebuild();
  }

  /** Takes the current segment definitions; failed ones are neither evaluated nor fed. */
  replace(segments: readonly SegmentRecord[]): void {
    this.#segments = segments;
    this.#rebuild();
  }

  /** Takes the current computed trait definitions; failed ones are left out. */
  replaceTraits(traits: readonly ComputedTraitRecord[]): void {
    this.#traits = traits;
    this.#rebuild();
  }

  /** Takes the conditions journeys evaluate, so the unify stage feeds the aggregates they read. */
  replaceConditions(conditions: readonly Condition[]): void {
    this.#conditions = conditions;
    this.#rebuild();
  }

  /** The live segments. */
  get live(): SegmentSet {
    return this.#live;
  }

  /** The computed traits (building ones included: their values fill in as they backfill). */
  get computed(): ComputedTraitSet {
    return this.#computed;
  }

  segment(id: string): SegmentRecord | undefined {
    return this.#segmentsById.get(id);
  }

  definitions(): readonly AggregateDefinition[] {
    return [...this.#aggregates.values()];
  }

  get(id: string): AggregateDefinition | undefined {
    return this.#aggregates.get(id);
  }

  #rebuild(): void {
    const traits = this.#traits.filter((t) => t.status !== 'failed').flatMap((t) => {
      const compiled = compileTrait(t);
      return compiled.ok ? [compiled.value] : [];
    });
    this.#computed = new ComputedTraitSet([...this.#builtInTraits, ...traits]);
    const segments = this.#segments.filter((s) => s.status !== 'failed');
    // Once its aggregates are filled, a segment is kept current while its first members are decided.
    this.#live = new SegmentSet(
      segments.filter((s) => s.status === 'live' || s.status === 'evaluating'),
      this.#computed,
    );
    this.#aggregates = new Map(
      [...segments.flatMap((s) => aggregatesOfCondition(s.condition)), ...this.#conditions.flatMap(aggregatesOfCondition), ...this.#computed.aggregates()].map(
        (d) => [d.id, d],
      ),
    );
    this.#segmentsById = new Map(this.#segments.map((s) => [s.id, s]));
  }
}
