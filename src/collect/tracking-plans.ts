import type { TrackingPlan, ViolationCount } from '../contracts/index.js';
import type { Clock } from '../lib/clock.js';
import { TesseraError, invalid, notFound } from '../lib/errors.js';
import { TtlCache } from '../lib/ttl-cache.js';
import type { SourceStore, StoredTrackingPlan, TrackingPlanStore, ViolationTally } from '../store/index.js';
import { compileTrackingPlan, type PlanChecker } from './tracking-plan.js';

const planCacheTtlMs = 5_000;

/** Tracking plans per source: saved only when their schemas compile, cached compiled for the hot path. */
export class TrackingPlanService {
  readonly #plans: TrackingPlanStore;
  readonly #sources: SourceStore;
  readonly #clock: Clock;
  readonly #checkers: TtlCache<string, { version: number; checker: PlanChecker } | null>;

  constructor(plans: TrackingPlanStore, sources: SourceStore, clock: Clock) {
    this.#plans = plans;
    this.#sources = sources;
    this.#clock = clock;
    this.#checkers = new TtlCache(clock, planCacheTtlMs);
  }

  async get(sourceId: string): Promise<StoredTrackingPlan> {
    await this.#requireSource(sourceId);
    const plan = await this.#plans.get(sourceId);
    if (plan === undefined) throw notFound('tracking plan of source', sourceId);
    return plan;
  }

  async put(sourceId: string, plan: TrackingPlan): Promise<StoredTrackingPlan> {
    await this.#requireSource(sourceId);
    const compiled = compileTrackingPlan(plan);
    if (!compiled.ok) throw invalid(compiled.error);
    const stored = await this.#plans.put(sourceId, plan, this.#clock.now());
    this.#checkers.set(sourceId, { version: stored.version, checker: compiled.value });
    return stored;
  }

  async delete(sourceId: string): Promise<void> {
    await this.#requireSource(sourceId);
    const existed = await this.#plans.delete(sourceId);
    this.#checkers.delete(sourceId);
    if (!existed) throw notFound('tracking plan of source', sourceId);
  }

  /** The source's compiled plan, or null when it has none. */
  async checker(sourceId: string): Promise<PlanChecker | null> {
    const entry = await this.#checkers.getOrLoad(sourceId, async () => {
      const stored = await this.#plans.get(sourceId);
      if (stored === undefined) return null;
      const compiled = compileTrackingPlan(stored.plan);
      if (!compiled.ok) {
        // It compiled when saved, so only a validator upgrade gets here. Refusing (retryably) keeps the data with the SDK.
        throw new TesseraError('TESSERA_ERR_INTERNAL', `the tracking plan of source ${sourceId} no longer compiles; save it again`);
      }
      return { version: stored.version, checker: compiled.value };
    });
    return entry?.checker ?? null;
  }

  countViolations(tallies: readonly ViolationTally[]): Promise<void> {
    return this.#plans.countViolations(tallies);
  }

  async violations(sourceId: string): Promise<ViolationCount[]> {
    await this.#requireSource(sourceId);
    return this.#plans.violations(sourceId);
  }

  async #requireSource(sourceId: string): Promise<void> {
    if ((await this.#sources.get(sourceId)) === undefined) throw notFound('source', sourceId);
  }
}
