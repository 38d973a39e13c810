import type { CollectedMessage } from '../contracts/index.js';
import { extractIdentifiers, fragmentKeyOf, IdentityWorkspace, type IdentityRules } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import type { Mutex } from '../lib/mutex.js';
import type { Projection } from '../log/index.js';
import type { ProfileRules } from '../profiles/index.js';
import type { Checkpoint, IdentityStore, LogRecord, Membership, SegmentChanges, SegmentStore } from '../store/index.js';
import type { SegmentCatalog } from './catalog.js';
import { factsOf, type FactsContext } from './profile-facts.js';

export interface SegmentStageOptions {
  readonly identity: IdentityStore;
  readonly segments: SegmentStore;
  readonly catalog: SegmentCatalog;
  readonly identityRules: IdentityRules;
  readonly profileRules: ProfileRules;
  readonly facts: FactsContext;
  readonly clock: Clock;
  /** Keeps memberships consistent between log batches, timers and backfills. */
  readonly lock: Mutex;
  /** The source of the messages Tessera writes about people. */
  readonly internalSourceId: string;
  /** Orders identifier keys highest priority first: a message about a profile names its first one. */
  readonly compareKeys: (a: string, b: string) => number;
  /** Called after a commit that wrote outbox messages, so they reach the log without delay. */
  readonly onOutbox?: () => void;
}

/** A profile's first membership of a segment as decided over the profile mirror (see sql.ts compileMembershipChanges). */
export interface DecidedMembership {
  readonly profileId: string;
  readonly member: boolean;
  /** Whether the mirror had it as a member. */
  readonly was: boolean;
  /** The latest moment to look at it again (ms), when time alone could move it. */
  readonly due: number | null;
}

/** Profiles the stage evaluated since the watch began. */
export interface EvaluationWatch {
  readonly profiles: ReadonlySet<string>;
  stop(): void;
}

/** Where a message of the log belongs, for the segments it may change. */
interface Placement {
  readonly profileId: string;
  readonly identifierTypes: ReadonlySet<string>;
}

interface MembershipDiff {
  readonly entered: string[];
  readonly exited: string[];
}

/**
 * Keeps segment memberships current: after the unify stage has applied a
 * batch of the log, re-evaluates, for each profile the batch touched, the live
 * segments the messages could change; records who entered and exited, writes
 * Segment Entered / Segment Exited for the log in the same transaction
 * (through the outbox), and sets a timer for when time alone could change a
 * membership. Follows the log behind the unify stage.
 */
export class SegmentStage implements Projection {
  readonly name = 'segments';
  readonly #o: SegmentStageOptions;
  readonly #watches = new Set<Set<string>>();

  constructor(options: SegmentStageOptions) {
    this.#o = options;
  }

  position(partition: number): Promise<number> {
    return this.#o.segments.checkpoint(this.name, partition);
  }

  apply(partition: number, records: readonly LogRecord[]): Promise<void> {
    const last = records.at(-1);
    if (last === undefined) return Promise.resolve();
    return this.#o.lock.run(async () => {
      const set = this.#o.catalog.live;
      const ws = new IdentityWorkspace(this.#o.identity);
      const work = new Map<string, Set<string>>();
      if (set.ordered.length > 0) {
        const placed = await this.#place(ws, records);
        const touched = new Set<string>();
        for (const [i, { message }] of records.entries()) {
          const place = placed[i];
          if (place === undefined) continue;
          touched.add(place.profileId);
          // A message no segment reads (a Segment Entered or Exited announcing what was just decided, most page views)
          // leaves memberships and the timers set for them as they are: no profile work for it.
          const affected = set.affectedBy(message, this.#o.profileRules, place.identifierTypes);
          if (affected.size === 0) continue;
          const names = work.get(place.profileId) ?? new Set<string>();
          for (const name of affected) names.add(name);
          work.set(place.profileId, names);
        }
        // A build deciding first memberships from a snapshot decides again every profile a message reached meanwhile (see watch).
        for (const watched of this.#watches) for (const id of touched) watched.add(id);
        // A profile that absorbed another in this batch gained its events, traits, consent and identifiers, whichever message merged them.
        const batch = new Set(records.map((r) => r.message.messageId));
        for (const [profileId, causes] of await this.#o.identity.mergeCauses([...touched])) {
          if (causes.some((id) => batch.has(id))) work.set(profileId, set.all());
        }
      }
      await this.#evaluate(ws, work, { consumer: this.name, partition, offset: last.offset });
    });
  }

  /** Re-evaluates the timed segments of every profile whose timer is due; returns how many profiles. */
  async runDueTimers(limit = 500): Promise<number> {
    return this.#o.lock.run(async () => {
      const due = await this.#o.segments.dueTimers(this.#o.clock.now(), limit);
      if (due.length === 0) return 0;
      const timed = this.#o.catalog.live.timed();
      const ws = new IdentityWorkspace(this.#o.identity);
      const work = new Map<string, Set<string>>();
      for (const id of due) {
        const profile = await ws.profile(id);
        if (profile === undefined) continue;
        work.set((await ws.liveProfile(id)).id, timed);
      }
      await this.#evaluate(ws, work, undefined, due);
      return due.length;
    });
  }

  /** Re-evaluates all live segments for the given profiles (after a split, say). */
  reevaluate(profileIds: readonly string[]): Promise<void> {
    return this.#o.lock.run(async () => {
      const all = this.#o.catalog.live.all();
      await this.#evaluate(new IdentityWorkspace(this.#o.identity), new Map(profileIds.map((id) => [id, all])), undefined);
    });
  }

  /**
   * Decides the first memberships of new segments for some profiles, quietly:
   * being in a segment from the day it was made is not an event to react to.
   */
  initialize(profileIds: readonly string[], names: ReadonlySet<string>): Promise<void> {
    return this.#o.lock.run(async () => {
      const ws = new IdentityWorkspace(this.#o.identity);
      await this.#evaluate(ws, new Map(profileIds.map((id) => [id, names])), undefined, [], false);
    });
  }

  /**
   * Notes every profile evaluated from now on (and every profile merged away
   * meanwhile) until `stop`: a build deciding first memberships from a
   * snapshot (`initializeFrom`) leaves those to be decided again.
   */
  watch(): EvaluationWatch {
    const profiles = new Set<string>();
    this.#watches.add(profiles);
    return { profiles, stop: () => this.#watches.delete(profiles) };
  }

  /**
   * Writes first memberships of a segment decided over the profile mirror,
   * quietly (like `initialize`), with a timer no later than each `due`.
   * Profiles in `skip` were evaluated since the snapshot the decisions come
   * from: they are left to be decided again.
   */
  initializeFrom(segmentId: string, decided: readonly DecidedMembership[], skip: ReadonlySet<string>): Promise<void> {
    return this.#o.lock.run(async () => {
      const now = this.#o.clock.now();
      const kept = decided.filter((d) => !skip.has(d.profileId));
      await this.#o.segments.initialize({
        segmentId,
        entered: kept.filter((d) => d.member).map((d) => ({ segmentId, profileId: d.profileId, since: now })),
        exited: kept.filter((d) => !d.member && d.was).map((d) => d.profileId),
        timers: kept.flatMap((d) => (d.due === null ? [] : [{ profileId: d.profileId, dueAt: d.due }])),
      });
    });
  }

  /**
   * The live profile each message belongs to, by the home of its fragment
   * (where unify placed it), looked up for the whole batch at once and
   * without reading the fragments' states; with the identifier types the
   * message carries.
   */
  async #place(ws: IdentityWorkspace, records: readonly LogRecord[]): Promise<(Placement | undefined)[]> {
    const carried = records.map(({ message }) => extractIdentifiers(message, this.#o.identityRules));
    const keys = carried.map((identifiers) => (identifiers.length === 0 ? undefined : fragmentKeyOf(identifiers)));
    const homes = await this.#o.identity.fragmentHomes(keys.filter((key): key is string => key !== undefined));
    await ws.prefetchProfiles([...new Set(homes.values())]);
    const placed: (Placement | undefined)[] = [];
    for (const [i, key] of keys.entries()) {
      const home = key === undefined ? undefined : homes.get(key);
      // No fragment: the unify stage dropped the message (an erased person).
      if (home === undefined || (await ws.profile(home)) === undefined) {
        placed.push(undefined);
        continue;
      }
      placed.push({ profileId: (await ws.liveProfile(home)).id, identifierTypes: new Set((carried[i] ?? []).map((identifier) => identifier.type)) });
    }
    return placed;
  }

  async #evaluate(
    ws: IdentityWorkspace,
    work: ReadonlyMap<string, ReadonlySet<string>>,
    checkpoint: Checkpoint | undefined,
    dueTimers: readonly string[] = [],
    announce = true,
  ): Promise<void> {
    const set = this.#o.catalog.live;
    const now = this.#o.clock.now();
    const changes: { entered: Membership[]; exited: { segmentId: string; profileId: string }[]; timers: SegmentChanges['timers'][number][]; outbox: CollectedMessage[] } = {
      entered: [],
      exited: [],
      timers: dueTimers.map((profileId) => ({ profileId, dueAt: null })),
      outbox: [],
    };
    const merged = new Map<string, string[]>();
    for (const id of work.keys()) merged.set(id, await ws.mergedIntoIds(id));
    for (const watched of this.#watches) {
      for (const [id, ids] of merged) {
        watched.add(id);
        for (const mergedId of ids) watched.add(mergedId);
      }
    }
    const memberships = await this.#o.segments.segmentIdsOf([...work.keys(), ...[...merged.values()].flat()]);
    const byId = new Map(set.ordered.map((s) => [s.id, s]));

    for (const [profileId, names] of work) {
      // Memberships of profiles merged away follow the survivor, which is evaluated now: they end quietly.
      for (const mergedId of merged.get(profileId) ?? []) {
        for (const segmentId of memberships.get(mergedId) ?? []) changes.exited.push({ segmentId, profileId: mergedId });
        changes.timers.push({ profileId: mergedId, dueAt: null });
      }
      const profile = await ws.liveProfile(profileId);
      const current = new Set(memberships.get(profileId));
      const currentNames = new Set([...current].map((id) => byId.get(id)?.name).filter((n): n is string => n !== undefined));
      const facts = factsOf(profile, currentNames, this.#o.facts, now);
      const after = names.size === 0 ? currentNames : set.evaluate(facts, names, now);
      const diff: MembershipDiff = { entered: [], exited: [] };
      for (const segment of set.ordered) {
        const was = current.has(segment.id);
        const is = after.has(segment.name);
        if (is && !was) diff.entered.push(segment.id);
        if (was && !is) diff.exited.push(segment.id);
      }
      if (diff.entered.length + diff.exited.length > 0) {
        const anchor = announce ? (await ws.identifiersOf(profileId)).sort(this.#o.compareKeys)[0] : undefined;
        for (const segmentId of diff.entered) {
          changes.entered.push({ segmentId, profileId, since: now });
          if (anchor) changes.outbox.push(this.#message('Segment Entered', segmentId, profileId, anchor, now));
        }
        for (const segmentId of diff.exited) {
          changes.exited.push({ segmentId, profileId });
          if (anchor) changes.outbox.push(this.#message('Segment Exited', segmentId, profileId, anchor, now));
        }
      }
      changes.timers.push({ profileId, dueAt: set.nextChange({ ...facts, segments: after }, now) });
    }
    await this.#o.segments.commit(changes, checkpoint);
    if (changes.outbox.length > 0) this.#o.onOutbox?.();
  }

  #message(event: 'Segment Entered' | 'Segment Exited', segmentId: string, profileId: string, anchor: string, now: number): CollectedMessage {
    const at = new Date(now).toISOString();
    const name = this.#o.catalog.segment(segmentId)?.name ?? segmentId;
    return {
      v: 1,
      messageId: `${event === 'Segment Entered' ? 'seg-in' : 'seg-out'}:${segmentId}:${profileId}:${now}`,
      type: 'track',
      sourceId: this.#o.internalSourceId,
      channel: 'other',
      event,
      properties: { segment_id: segmentId, segment_name: name, profile_id: profileId },
      context: { tessera: { identifiers: [anchor] } },
      timestamp: at,
      receivedAt: at,
    };
  }
}
