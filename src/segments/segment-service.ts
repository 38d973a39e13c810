import { performance } from 'node:perf_hooks';
import type { Condition, SegmentCreate, SegmentPreviewRequest, SegmentView } from '../contracts/index.js';
import { IdentityWorkspace } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { TesseraError, invalid, notFound } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { IdentityStore, SegmentRecord, SegmentStore } from '../store/index.js';
import { aggregatesOfCondition } from './aggregate-history.js';
import { backfillAggregates, type BackfillDependencies } from './backfill.js';
import type { SegmentCatalog } from './catalog.js';
import { readDefinition } from './check.js';
import { printCondition } from './printer.js';
import { defaultExportTraits, membersCsv } from './segment-export.js';
import { BuildStoppedError, type SegmentPreview, type SegmentQueries } from './segment-queries.js';
import { SegmentSet, dependenciesOf } from './segment-set.js';
import type { EvaluationWatch, SegmentStage } from './segment-stage.js';

export interface SegmentServiceOptions {
  readonly store: SegmentStore;
  readonly identity: IdentityStore;
  readonly catalog: SegmentCatalog;
  readonly stage: SegmentStage;
  readonly backfill: BackfillDependencies;
  readonly clock: Clock;
  readonly logger: Logger;
  /** SQL over the profile mirror: previews, and first members of new segments. Without it, previews are unavailable and first members are decided in memory. */
  readonly queries?: SegmentQueries;
}

const pageSize = 500;
const previewSample = 20;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Segments as people manage them: define (in text or JSON form), preview,
 * read with their size and status, list and export members, delete. A new
 * segment is built in the background: its event aggregates are filled from
 * history, then its first members are decided (by one SQL query over the
 * profile mirror when it can, else profile by profile in memory), and from
 * then on it is kept current in real time.
 */
export class SegmentService {
  readonly #o: SegmentServiceOptions;
  readonly #builds = new Set<Promise<void>>();
  #stopping = false;

  constructor(options: SegmentServiceOptions) {
    this.#o = options;
  }

  /**
   * Loads the definitions and resumes builds a restart interrupted. Deciding
   * first members can start over; filling aggregates from history cannot (a
   * count cannot tell which events it already has), so such a segment fails
   * and says so.
   */
  async start(): Promise<void> {
    for (const segment of await this.#o.store.list()) {
      if (segment.status === 'backfilling') {
        await this.#o.store.update({
          ...segment,
          status: 'failed',
          error: 'the server stopped while this segment was being filled from history; delete it and create it again',
          updatedAt: this.#o.clock.now(),
        });
      }
    }
    const segments = await this.#o.store.list();
    this.#o.catalog.replace(segments);
    for (const segment of segments) if (segment.status === 'evaluating') this.#build(segment);
  }

  /** Waits for builds in progress (for tests). */
  async settled(): Promise<void> {
    while (this.#builds.size > 0) await Promise.all([...this.#builds]);
  }

  /** Lets builds finish the page they are on, then leaves them for the next start. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.settled();
  }

  async create(input: SegmentCreate): Promise<SegmentView> {
    const existing = await this.#o.store.list();
    const condition = this.#readDefinition(input.definition, existing);
    if (existing.some((s) => s.name === input.name)) {
      throw new TesseraError('TESSERA_ERR_CONFLICT', `a segment named "${input.name}" already exists`);
    }
    const now = this.#o.clock.now();
    const record: SegmentRecord = {
      id: newId('seg'),
      name: input.name,
      condition,
      text: printCondition(condition),
      status: 'backfilling',
      error: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      new SegmentSet([...existing, record]);
    } catch (error) {
      throw invalid([{ field: 'definition', rule: 'cycle', message: (error as Error).message }]);
    }
    await this.#o.store.create(record);
    this.#build(record);
    return this.#view(record);
  }

  /** How many people a definition selects now, with a sample of them, without saving it. */
  async preview(input: SegmentPreviewRequest): Promise<SegmentPreview> {
    const condition = this.#readDefinition(input.definition, await this.#o.store.list());
    if (this.#o.queries === undefined) throw new TesseraError('TESSERA_ERR_UNAVAILABLE', 'previews need the profile mirror, which is not set up');
    return this.#o.queries.preview(condition, input.sampleSize ?? previewSample);
  }

  /** The members as CSV (see segment-export.ts), with the golden values of `traits` (some defaults when none). */
  async exportCsv(id: string, traits: readonly string[]): Promise<AsyncGenerator<string>> {
    await this.#require(id);
    const { identity, backfill } = this.#o;
    return membersCsv({ store: this.#o.store, identity, profileRules: backfill.profileRules }, id, traits.length > 0 ? traits : defaultExportTraits);
  }

  async get(id: string): Promise<SegmentView> {
    return this.#view(await this.#require(id));
  }

  async list(): Promise<SegmentView[]> {
    return Promise.all((await this.#o.store.list()).map((s) => this.#view(s)));
  }

  async delete(id: string): Promise<void> {
    const segment = await this.#require(id);
    const dependents = (await this.#o.store.list()).filter((s) => s.id !== id && dependenciesOf(s.condition).segments.has(segment.name));
    if (dependents.length > 0) {
      throw new TesseraError('TESSERA_ERR_CONFLICT', `segment "${segment.name}" is used by ${dependents.map((s) => `"${s.name}"`).join(', ')}; delete or change those first`);
    }
    await this.#o.store.delete(id);
    this.#o.catalog.replace(await this.#o.store.list());
  }

  async members(id: string, page: { limit: number; cursor?: string | undefined }): Promise<{ members: { profileId: string; since: string }[]; nextCursor: string | null }> {
    await this.#require(id);
    const rows = await this.#o.store.members(id, { limit: page.limit + 1, after: page.cursor });
    const shown = rows.slice(0, page.limit);
    return {
      members: shown.map((m) => ({ profileId: m.profileId, since: new Date(m.since).toISOString() })),
      nextCursor: rows.length > page.limit ? (shown.at(-1)?.profileId ?? null) : null,
    };
  }

  /** The segments a profile is in; a merged-away id answers for its survivor. */
  async ofProfile(profileId: string): Promise<{ segmentId: string; name: string; since: string }[]> {
    const ws = new IdentityWorkspace(this.#o.identity);
    if ((await ws.profile(profileId)) === undefined) throw notFound('profile', profileId);
    const live = await ws.liveProfile(profileId);
    const memberships = (await this.#o.store.membershipsOf([live.id])).get(live.id) ?? [];
    return memberships
      .map((m) => ({ segmentId: m.segmentId, name: this.#o.catalog.segment(m.segmentId)?.name ?? m.segmentId, since: new Date(m.since).toISOString() }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  #readDefinition(definition: SegmentCreate['definition'], existing: readonly SegmentRecord[]): Condition {
    const read = readDefinition(definition);
    if (!read.ok) throw invalid(read.error);
    const known = new Set(existing.map((s) => s.name));
    const missing = [...dependenciesOf(read.value).segments].filter((name) => !known.has(name));
    if (missing.length > 0) {
      throw invalid(missing.map((name) => ({ field: 'definition', rule: 'segment', message: `refers to segment "${name}", which does not exist` })));
    }
    return read.value;
  }

  #build(record: SegmentRecord): void {
    const build = this.#runBuild(record).catch(async (error: unknown) => {
      if (error instanceof BuildStoppedError) return;
      this.#o.logger.error({ err: error, segment: record.id }, 'building the segment failed');
      await this.#setStatus(record.id, 'failed', (error as Error).message);
    });
    this.#builds.add(build);
    void build.finally(() => this.#builds.delete(build));
  }

  async #runBuild(record: SegmentRecord): Promise<void> {
    const started = performance.now();
    let watch: EvaluationWatch | undefined;
    try {
      if (record.status === 'backfilling') {
        const active = new Set(this.#o.catalog.definitions().map((d) => d.id));
        const fresh = aggregatesOfCondition(record.condition).filter((d) => !active.has(d.id));
        const all = await this.#o.store.list();
        // A segment's aggregates feed no computed trait: nothing the profile mirror holds changes.
        await backfillAggregates(fresh, () => this.#o.catalog.replace(all), this.#o.backfill, () => this.#stopping, { factsUnchanged: true });
        // Watching from before the segment is evaluated in real time: a first membership decided from a snapshot never overwrites a later decision.
        watch = this.#o.stage.watch();
        await this.#setStatus(record.id, 'evaluating', null);
      } else {
        watch = this.#o.stage.watch();
      }
      const aggregatesMs = performance.now() - started;
      const names = new Set([record.name]);
      await this.#dependenciesDecided(record);
      const timings = await this.#o.queries?.initialize(record, watch, () => this.#stopping);
      const bySql = timings !== undefined;
      const membersMs = performance.now() - started - aggregatesMs;
      if (bySql) {
        // Profiles evaluated while the query ran are decided again, from what they are now.
        const watched = [...watch.profiles];
        for (let i = 0; i < watched.length; i += pageSize) {
          const page = await this.#o.identity.profiles(watched.slice(i, i + pageSize));
          await this.#o.stage.initialize([...page.values()].filter((p) => p.mergedInto === null).map((p) => p.id), names);
        }
      } else {
        for (let after = ''; ; ) {
          if (this.#stopping) throw new BuildStoppedError();
          const profiles = await this.#o.identity.liveProfiles(after, pageSize);
          await this.#o.stage.initialize(profiles.map((p) => p.id), names);
          const last = profiles.at(-1);
          if (last === undefined || profiles.length < pageSize) break;
          after = last.id;
        }
      }
      this.#o.logger.info(
        { segment: record.id, by: bySql ? 'sql' : 'memory', aggregatesMs: Math.round(aggregatesMs), membersMs: Math.round(membersMs), totalMs: Math.round(performance.now() - started), reevaluated: bySql ? watch.profiles.size : 0, ...timings },
        'segment built',
      );
    } finally {
      watch?.stop();
    }
    await this.#setStatus(record.id, 'live', null);
  }

  /** A query reads the memberships of the segments a condition names: those are decided first. */
  async #dependenciesDecided(record: SegmentRecord): Promise<void> {
    const reads = dependenciesOf(record.condition).segments;
    for (;;) {
      if (this.#stopping) throw new BuildStoppedError();
      const pending = (await this.#o.store.list()).some((s) => reads.has(s.name) && (s.status === 'backfilling' || s.status === 'evaluating'));
      if (!pending) return;
      await sleep(100);
    }
  }

  async #setStatus(id: string, status: SegmentRecord['status'], error: string | null): Promise<void> {
    const current = await this.#o.store.get(id);
    if (current === undefined) return;
    await this.#o.store.update({ ...current, status, error, updatedAt: this.#o.clock.now() });
    this.#o.catalog.replace(await this.#o.store.list());
  }

  async #require(id: string): Promise<SegmentRecord> {
    const segment = await this.#o.store.get(id);
    if (segment === undefined) throw notFound('segment', id);
    return segment;
  }

  async #view(segment: SegmentRecord): Promise<SegmentView> {
    return {
      id: segment.id,
      name: segment.name,
      status: segment.status,
      error: segment.error,
      definition: { text: segment.text, json: segment.condition },
      size: await this.#o.store.size(segment.id),
      createdAt: new Date(segment.createdAt).toISOString(),
      updatedAt: new Date(segment.updatedAt).toISOString(),
    };
  }
}
