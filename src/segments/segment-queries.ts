import { performance } from 'node:perf_hooks';
import type { Condition } from '../contracts/index.js';
import type { Clock } from '../lib/clock.js';
import { TesseraError } from '../lib/errors.js';
import type { ProfileMirror, SegmentRecord } from '../store/index.js';
import type { BackfillDependencies } from './backfill.js';
import type { SegmentCatalog } from './catalog.js';
import type { ProfileMirrorStage } from './profile-mirror-stage.js';
import type { DecidedMembership, EvaluationWatch, SegmentStage } from './segment-stage.js';
import { compileMembershipChanges, compileToSql } from './sql.js';

export interface SegmentQueriesOptions {
  readonly mirror: Pick<ProfileMirror, 'preview' | 'stream'>;
  readonly mirrorStage: Pick<ProfileMirrorStage, 'whole' | 'current'>;
  readonly stage: Pick<SegmentStage, 'initializeFrom'>;
  readonly catalog: SegmentCatalog;
  readonly backfill: Pick<BackfillDependencies, 'unifyPosition' | 'eventStoreReached'>;
  readonly clock: Clock;
  /** Longest wait for the mirror to apply what changed before a build, which otherwise decides first members in memory. 10 minutes unless set. */
  readonly catchUpTimeoutMs?: number;
  /** Rows written per turn of the segment stage's lock. 10,000 unless set. */
  readonly writeBatch?: number;
}

/** Where the first members' time went (ms): the mirror catching up, the query and reading its rows, writing memberships and timers. */
export interface FirstMembersTimings {
  readonly catchUpMs: number;
  readonly queryMs: number;
  readonly writeMs: number;
  readonly rows: number;
}

export interface SegmentPreview {
  readonly count: number;
  readonly sample: string[];
  readonly tookMs: number;
}

/** Trait names a condition reads. */
function traitsRead(condition: Condition, into = new Set<string>()): Set<string> {
  switch (condition.kind) {
    case 'and':
    case 'or':
      for (const child of condition.conditions) traitsRead(child, into);
      break;
    case 'not':
      traitsRead(condition.condition, into);
      break;
    case 'trait':
      into.add(condition.trait.split('.')[0] ?? condition.trait);
      break;
    default:
      break;
  }
  return into;
}

/**
 * Segment conditions over every profile at once, as SQL over the profile
 * mirror (profile-mirror-stage.ts) and the event store: previews of a
 * definition, and the first memberships of a new segment. Real-time
 * evaluation stays in memory (segment-stage.ts); the two compilers mean the
 * same (the equivalence property test).
 */
export class SegmentQueries {
  readonly #o: SegmentQueriesOptions;

  constructor(options: SegmentQueriesOptions) {
    this.#o = options;
  }

  /** How many profiles meet `condition` now, and some of them (the smallest ids), without saving anything. */
  async preview(condition: Condition, sampleSize: number): Promise<SegmentPreview> {
    if (!this.#o.mirrorStage.whole) {
      throw new TesseraError('TESSERA_ERR_UNAVAILABLE', 'the profile mirror previews run on is being built; retry shortly', { retryAfterSeconds: 10 });
    }
    const started = performance.now();
    const { count, sample } = await this.#o.mirror.preview(compileToSql(condition, this.#o.clock.now()), sampleSize);
    return { count, sample, tookMs: Math.round((performance.now() - started) * 10) / 10 };
  }

  /**
   * Decides the first memberships of `segment` (already kept current in real
   * time, the stage watching; the segments it reads decided) over the
   * mirror, once it has applied every
   * change made so far, and writes them in bulk with the timers time-driven
   * changes need. Profiles the stage evaluates meanwhile are left to the
   * caller (in `watch`), to decide again. Returns where the time went, or
   * undefined, having written nothing, when SQL cannot decide: a computed
   * trait is read (the mirror holds their values as of each profile's last
   * change, not as windows slide), or the mirror does not catch up in time.
   */
  async initialize(segment: SegmentRecord, watch: EvaluationWatch, shouldStop: () => boolean): Promise<FirstMembersTimings | undefined> {
    const computed = this.#o.catalog.computed;
    if ([...traitsRead(segment.condition)].some((name) => computed.has(name))) return undefined;
    const started = performance.now();
    // Everything the unify stage applied before the watch began must be in the event store and the mirror:
    // the stage evaluates only what comes after.
    await this.#o.backfill.eventStoreReached(this.#o.backfill.unifyPosition());
    if (!(await this.#o.mirrorStage.current(this.#o.catchUpTimeoutMs ?? 600_000))) return undefined;
    const queried = performance.now();
    const query = compileMembershipChanges(segment.condition, this.#o.clock.now(), segment.name);
    let writeMs = 0;
    let rows = 0;
    await this.#o.mirror.stream(
      query,
      async (batch) => {
        if (shouldStop()) throw new BuildStoppedError();
        const written = performance.now();
        const decided = batch.map(
          (r): DecidedMembership => ({ profileId: String(r.profile_id), member: r.member === true, was: r.was === true, due: typeof r.due === 'number' ? r.due : null }),
        );
        await this.#o.stage.initializeFrom(segment.id, decided, watch.profiles);
        writeMs += performance.now() - written;
        rows += batch.length;
      },
      this.#o.writeBatch ?? 10_000,
    );
    const round = (ms: number): number => Math.round(ms);
    return { catchUpMs: round(queried - started), queryMs: round(performance.now() - queried - writeMs), writeMs: round(writeMs), rows };
  }
}

/** A build left off because the server is stopping; not a failure of the segment. */
export class BuildStoppedError extends Error {}
