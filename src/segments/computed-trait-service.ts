import type { ComputedTraitCreate, ComputedTraitDefinition, ComputedTraitView } from '../contracts/index.js';
import type { Clock } from '../lib/clock.js';
import { TesseraError, invalid, notFound } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { ComputedTraitRecord, ComputedTraitStore, SegmentStore } from '../store/index.js';
import { backfillAggregates, type BackfillDependencies } from './backfill.js';
import type { SegmentCatalog } from './catalog.js';
import { ComputedTraitSet, compileTrait } from './computed-traits.js';
import { dependenciesOf } from './segment-set.js';

export interface ComputedTraitServiceOptions {
  readonly store: ComputedTraitStore;
  readonly segments: SegmentStore;
  readonly catalog: SegmentCatalog;
  readonly backfill: BackfillDependencies;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Computed traits as people manage them. A new or changed aggregate trait is
 * filled from stored events in the background (its value is readable at once
 * and complete when the backfill is done); an expression needs no backfill.
 */
export class ComputedTraitService {
  readonly #o: ComputedTraitServiceOptions;
  readonly #builds = new Set<Promise<void>>();
  #stopping = false;

  constructor(options: ComputedTraitServiceOptions) {
    this.#o = options;
  }

  /** Loads the definitions; a backfill a restart interrupted cannot resume (counts would double), so it fails and says so. */
  async start(): Promise<void> {
    for (const trait of await this.#o.store.list()) {
      if (trait.status === 'backfilling') {
        await this.#o.store.update({
          ...trait,
          status: 'failed',
          error: 'the server stopped while this trait was being filled from history; change or re-create it',
          updatedAt: this.#o.clock.now(),
        });
      }
    }
    this.#o.catalog.replaceTraits(await this.#o.store.list());
  }

  async settled(): Promise<void> {
    while (this.#builds.size > 0) await Promise.all([...this.#builds]);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.settled();
  }

  async create(input: ComputedTraitCreate): Promise<ComputedTraitView> {
    const all = await this.#o.store.list();
    // The catalog also holds the built-in traits, whose names are taken too.
    if (all.some((t) => t.name === input.name) || this.#o.catalog.computed.has(input.name)) throw new TesseraError('TESSERA_ERR_CONFLICT', `a computed trait named "${input.name}" already exists`);
    const now = this.#o.clock.now();
    const record: ComputedTraitRecord = {
      id: newId('trt'),
      name: input.name,
      definition: input.definition,
      status: 'backfilling',
      error: null,
      eventsReplayed: 0,
      backfilledAt: null,
      createdAt: now,
      updatedAt: now,
    };
    this.#check(record, all);
    await this.#o.store.create(record);
    this.#build(record);
    return view(record);
  }

  async update(id: string, definition: ComputedTraitDefinition): Promise<ComputedTraitView> {
    const current = await this.#require(id);
    const record: ComputedTraitRecord = { ...current, definition, status: 'backfilling', error: null, eventsReplayed: 0, backfilledAt: null, updatedAt: this.#o.clock.now() };
    this.#check(record, (await this.#o.store.list()).filter((t) => t.id !== id));
    await this.#o.store.update(record);
    this.#build(record);
    return view(record);
  }

  async get(id: string): Promise<ComputedTraitView> {
    return view(await this.#require(id));
  }

  async list(): Promise<ComputedTraitView[]> {
    return (await this.#o.store.list()).map(view);
  }

  async delete(id: string): Promise<void> {
    const trait = await this.#require(id);
    const users = [
      ...(await this.#o.segments.list()).filter((s) => dependenciesOf(s.condition).traits.has(trait.name)).map((s) => `segment "${s.name}"`),
      ...this.#o.catalog.computed.ordered.filter((t) => t.reads.has(trait.name)).map((t) => `computed trait "${t.name}"`),
    ];
    if (users.length > 0) throw new TesseraError('TESSERA_ERR_CONFLICT', `trait "${trait.name}" is used by ${users.join(', ')}; change those first`);
    await this.#o.store.delete(id);
    this.#o.catalog.replaceTraits(await this.#o.store.list());
  }

  /** Refuses a definition that does not compile or that reads itself through others. */
  #check(record: ComputedTraitRecord, others: readonly ComputedTraitRecord[]): void {
    const compiled = compileTrait(record);
    if (!compiled.ok) throw invalid(compiled.error);
    const rest = others.flatMap((t) => {
      const c = compileTrait(t);
      return c.ok ? [c.value] : [];
    });
    try {
      new ComputedTraitSet([...rest, compiled.value]);
    } catch (error) {
      throw invalid([{ field: 'definition.expression', rule: 'cycle', message: (error as Error).message }]);
    }
  }

  #build(record: ComputedTraitRecord): void {
    const build = this.#runBuild(record).catch(async (error: unknown) => {
      this.#o.logger.error({ err: error, trait: record.id }, 'filling the computed trait from history failed');
      await this.#save(record.id, { status: 'failed', error: (error as Error).message });
    });
    this.#builds.add(build);
    void build.finally(() => this.#builds.delete(build));
  }

  async #runBuild(record: ComputedTraitRecord): Promise<void> {
    const compiled = compileTrait(record);
    if (!compiled.ok) throw new Error('the definition no longer compiles');
    const aggregate = compiled.value.aggregate;
    const active = new Set(this.#o.catalog.definitions().map((d) => d.id));
    const fresh = aggregate !== undefined && !active.has(aggregate.id) ? [aggregate] : [];
    const all = await this.#o.store.list();
    const replayed = await backfillAggregates(fresh, () => this.#o.catalog.replaceTraits(all), this.#o.backfill, () => this.#stopping);
    await this.#save(record.id, { status: 'live', eventsReplayed: replayed, backfilledAt: this.#o.clock.now() });
  }

  async #save(id: string, change: Partial<ComputedTraitRecord>): Promise<void> {
    const current = await this.#o.store.get(id);
    if (current === undefined) return;
    await this.#o.store.update({ ...current, ...change, updatedAt: this.#o.clock.now() });
    this.#o.catalog.replaceTraits(await this.#o.store.list());
  }

  async #require(id: string): Promise<ComputedTraitRecord> {
    const trait = await this.#o.store.get(id);
    if (trait === undefined) throw notFound('computed trait', id);
    return trait;
  }
}

function view(trait: ComputedTraitRecord): ComputedTraitView {
  return {
    id: trait.id,
    name: trait.name,
    definition: trait.definition,
    status: trait.status,
    error: trait.error,
    backfill: { eventsReplayed: trait.eventsReplayed, finishedAt: trait.backfilledAt === null ? null : new Date(trait.backfilledAt).toISOString() },
    createdAt: new Date(trait.createdAt).toISOString(),
    updatedAt: new Date(trait.updatedAt).toISOString(),
  };
}
