import { IdentityWorkspace } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { restWhileBusy } from '../lib/ingest-load.js';
import type { Logger } from '../lib/logger.js';
import type { IdentityStore, MirroredProfile, ProfileChange, ProfileChangeFeed, ProfileMirror, ProfileRecord, SegmentStore } from '../store/index.js';
import type { SegmentCatalog } from './catalog.js';
import { factsOf, type FactsContext } from './profile-facts.js';

export interface ProfileMirrorStageOptions {
  readonly changes: ProfileChangeFeed;
  readonly mirror: ProfileMirror;
  readonly identity: IdentityStore;
  readonly segments: Pick<SegmentStore, 'segmentIdsOf'>;
  readonly catalog: SegmentCatalog;
  readonly facts: FactsContext;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Profiles per pass while keeping up; small, as a pass holds the event
   * loop (reading the profiles, computing facts, DuckDB's appender). 100
   * unless set: at 100k profiles a pass of 500 held it 160-730 ms, and every
   * tracking call and stage waited behind it.
   */
  readonly batchSize?: number;
  /** While it says tracking calls need the thread, the mirror rests between passes, at most a second each time. */
  readonly ingest?: { busy(): boolean };
  /** Profiles per pass while the mirror is built from nothing. 5,000 unless set. */
  readonly rebuildBatchSize?: number;
  /** Sleep between looks at an empty queue. 25 ms unless set. */
  readonly idleWaitMs?: number;
}

/** Bumped whenever what a mirrored row holds changes meaning: every row is then computed again. */
const rowVersion = 1;
const maxBackoffMs = 30_000;
const maxRestMs = 1_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps the profile mirror (store/profile-mirror.ts) current: drains the
 * changed profiles the identity and segment stores record in their commits,
 * a batch at a time, and writes each live profile's facts, computed exactly
 * as the in-memory evaluator sees them (profile-facts.ts), with its fragments
 * when its make-up changed; merged-away and erased profiles leave it. A
 * change is acknowledged only after the mirror applied it, and one recorded
 * again meanwhile stays queued, so the mirror never misses a change; applying
 * one twice is harmless.
 *
 * The mirror is rebuilt from nothing when it was never built whole, or built
 * under other survivorship rules or computed traits (values differ then).
 * Computed traits over rolling windows are mirrored as of the profile's last
 * change, not as the window slides.
 */
export class ProfileMirrorStage {
  readonly #o: ProfileMirrorStageOptions;
  readonly #batchSize: number;
  readonly #rebuildBatchSize: number;
  readonly #idleWaitMs: number;
  #loop: Promise<void> | undefined;
  #stopping = false;
  /** The mirror holds every live profile (possibly a little behind): false while it is built from nothing. */
  #whole = false;
  #builtFor: string | undefined;

  constructor(options: ProfileMirrorStageOptions) {
    this.#o = options;
    this.#batchSize = options.batchSize ?? 100;
    this.#rebuildBatchSize = options.rebuildBatchSize ?? 5_000;
    this.#idleWaitMs = options.idleWaitMs ?? 25;
  }

  /** Whether the mirror holds every live profile (queries over it then mean something). */
  get whole(): boolean {
    return this.#whole;
  }

  /**
   * Starts keeping the mirror current; rebuilds it first when needed. Resolves
   * once every change recorded before the call has been applied: the mirror
   * is whole from then on (a restart in the middle of a rebuild resumes it
   * from the queue).
   */
  async start(): Promise<void> {
    const key = this.#key();
    const built = await this.#o.mirror.builtFor();
    if (built !== key) {
      this.#o.logger.info({ was: built === null ? null : 'other rules' }, 'building the profile mirror from the operational store');
      await this.#o.mirror.clear();
      const queued = await this.#o.changes.recordAllLive();
      this.#o.logger.info({ profiles: queued }, 'profiles queued for the mirror');
    }
    // Recorded only now: a restart before the queue drains resumes from the queue, which is durable.
    await this.#o.mirror.setBuiltFor(key);
    this.#builtFor = key;
    const target = await this.#o.changes.lastSeq();
    this.#loop = this.#run();
    while (!this.#stopping && (await this.#o.changes.pendingUpTo(target))) await sleep(this.#idleWaitMs);
    this.#whole = true;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
  }

  /** Profiles waiting to be mirrored. */
  lag(): Promise<number> {
    return this.#o.changes.size();
  }

  /**
   * Waits until every change recorded so far has been applied; false when
   * `timeoutMs` passed first (or the stage is stopping).
   */
  async current(timeoutMs: number): Promise<boolean> {
    const target = await this.#o.changes.lastSeq();
    for (const deadline = this.#o.clock.now() + timeoutMs; ; ) {
      if (!(await this.#o.changes.pendingUpTo(target))) return this.#whole;
      if (this.#stopping || this.#o.clock.now() >= deadline) return false;
      await sleep(this.#idleWaitMs);
    }
  }

  /** Applies the waiting changes, one batch at a time, until none is left; returns how many it applied. */
  async drain(): Promise<number> {
    let applied = 0;
    for (;;) {
      const changes = await this.#o.changes.next(this.#whole ? this.#batchSize : this.#rebuildBatchSize);
      if (changes.length === 0) return applied;
      await this.#apply(changes);
      applied += changes.length;
    }
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      try {
        const key = this.#key();
        if (key !== this.#builtFor) {
          // New computed traits (or ones gone): every profile's traits change; the rows stay usable meanwhile.
          await this.#o.changes.recordAllLive();
          await this.#o.mirror.setBuiltFor(key);
          this.#builtFor = key;
        }
        await restWhileBusy(this.#o.ingest, performance.now() + maxRestMs, () => this.#stopping);
        const changes = await this.#o.changes.next(this.#whole ? this.#batchSize : this.#rebuildBatchSize);
        if (changes.length === 0) await sleep(this.#idleWaitMs);
        else await this.#apply(changes);
        failures = 0;
      } catch (error) {
        failures += 1;
        const backoff = Math.min(maxBackoffMs, 100 * 2 ** Math.min(failures, 12));
        this.#o.logger.error({ err: error, failures, retryInMs: backoff }, 'mirroring profiles failed; retrying');
        await sleep(backoff);
      }
    }
  }

  async #apply(changes: readonly ProfileChange[]): Promise<void> {
    const { identity, mirror, catalog } = this.#o;
    const now = this.#o.clock.now();
    const stored = await identity.profiles(changes.map((c) => c.profileId));
    const live = new Map<string, ProfileRecord>();
    const structural = new Set<string>();
    const removals = new Set<string>();
    const survivors = new Set<string>();
    let purge = false;
    for (const { profileId, structural: madeUp } of changes) {
      const profile = stored.get(profileId);
      if (profile === undefined) {
        // Erased: nothing of the person may stay.
        removals.add(profileId);
        purge = true;
      } else if (profile.mergedInto !== null) {
        // Its fragments are the survivor's now.
        removals.add(profileId);
        survivors.add(profile.mergedInto);
      } else {
        live.set(profileId, profile);
        if (madeUp) structural.add(profileId);
      }
    }
    const ws = new IdentityWorkspace(identity);
    for (const id of survivors) {
      if ((await ws.profile(id)) === undefined) continue;
      const survivor = await ws.liveProfile(id);
      live.set(survivor.id, survivor);
      structural.add(survivor.id);
    }
    const memberships = await this.#o.segments.segmentIdsOf([...live.keys()]);
    const upserts: MirroredProfile[] = [];
    for (const [profileId, profile] of live) {
      const names = new Set((memberships.get(profileId) ?? []).map((id) => catalog.segment(id)?.name).filter((n): n is string => n !== undefined));
      const facts = factsOf(profile, names, this.#o.facts, now);
      upserts.push({
        profileId,
        traits: facts.traits,
        consent: facts.consent,
        identifierTypes: [...facts.identifierTypes].sort(),
        channels: [...facts.channels].sort(),
        segments: [...facts.segments].sort(),
        timeZone: facts.timeZone,
      });
    }
    const fragments: { profileId: string; fragmentKeys: string[] }[] = [];
    for (const profileId of structural) fragments.push({ profileId, fragmentKeys: (await ws.fragmentsOf(profileId)).map((f) => f.key).sort() });
    await mirror.apply({ upserts, removals: [...removals], fragments, at: now, purge });
    await this.#o.changes.acknowledge(changes);
  }

  /** What the rows are computed under: other survivorship rules or computed traits give other values. */
  #key(): string {
    const { profileRules, timeZoneTrait, computed } = this.#o.facts;
    return JSON.stringify({
      rowVersion,
      timeZoneTrait,
      traits: [...profileRules.traits.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      computed: computed().ordered.map((t) => t.id),
    });
  }
}
