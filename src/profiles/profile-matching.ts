/**
 * Probabilistic matching of profiles that share no identifier (records from
 * a CRM, a shop and a call centre imported separately). A run reads the
 * source records of every live profile (its fragments: what the messages
 * carrying one set of identifiers said, as traits), scores candidate pairs
 * of records with the Fellegi-Sunter matcher (identity/matching, trained
 * without labels) in a worker thread, and, for records of two profiles:
 *
 * - links each pair above `autoMerge` that clustering keeps together: a
 *   "Profiles Matched" message on the log names both profiles by their
 *   anchor identifiers, so the identity graph joins them as any message
 *   would (replayable, in the history as a `match` merge with its score, and
 *   undone by the split endpoint, which also keeps them apart afterwards);
 * - sends pairs between `review` and `autoMerge` (and pairs above it that
 *   clustering would not join) to the review queue;
 * - never proposes again a pair a decision settled: a pair is the two
 *   profiles, identified by their anchor identifiers; a rejected or accepted
 *   one stays so.
 *
 * Records, not profiles, are what the model learns from: records already in
 * one profile are true matches it keeps seeing, so a run after most people
 * were merged still knows what a match looks like.
 */
import { createHash } from 'node:crypto';
import type { MatchConfig } from '../contracts/matching.js';
import type { MatchPair, MatchRun, MatchReviewPage } from '../contracts/match-api.js';
import { internalContextKey, type CollectedMessage } from '../contracts/tracking.js';
import { IdentityWorkspace } from '../identity/index.js';
import { missingColumns, parseMatchConfig, thresholds as configThresholds } from '../identity/matching/index.js';
import type { Clock } from '../lib/clock.js';
import { decodeCursor, encodeCursor } from '../lib/cursor.js';
import { invalid, notFound, TesseraError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { Mutex } from '../lib/mutex.js';
import { siblingModule, startWorker } from '../lib/worker.js';
import type { EventLog, IdentityStore, MatchPairRecord, MatchPairStatus, MatchStore } from '../store/index.js';
import { recordColumn, type ProfilePairScoringInput, type ScoredProfilePairs } from './profile-pair-scoring.js';
import { goldenTraits, type ProfileRules } from './state.js';
import { asState } from './unify-projection.js';

export interface ProfileMatchingOptions {
  readonly identity: IdentityStore;
  readonly matches: MatchStore;
  readonly log: EventLog;
  readonly profileRules: ProfileRules;
  /** Orders identifier keys highest priority first: a profile's first key is its anchor. */
  readonly compareKeys: (a: string, b: string) => number;
  /** The source Tessera's own messages come from. */
  readonly systemSourceId: string;
  readonly clock: Clock;
}

const profilePage = 1000;

/** Pair ids from the two anchors, in either order: the same two people give the same id in every run. */
function matchPairId(a: string, b: string): string {
  const [x, y] = a < b ? [a, b] : [b, a];
  return `mp_${createHash('sha256').update(`${x}\n${y}`).digest('base64url').slice(0, 22)}`;
}

const traitText = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? value.filter((v) => typeof v === 'string' || typeof v === 'number').join(' ') : '';
};

export class ProfileMatchingService {
  readonly #o: ProfileMatchingOptions;
  /** One run or decision at a time: a run's pairs are read and written as one step. */
  readonly #lock = new Mutex();

  constructor(options: ProfileMatchingOptions) {
    this.#o = options;
  }

  async run(config: MatchConfig): Promise<MatchRun> {
    const parsed = parseMatchConfig(config);
    if (!parsed.ok) throw invalid(parsed.error.map((p) => ({ ...p, field: `config.${p.field}` })));
    return this.#lock.run(async () => {
      const started = performance.now();
      const { rows, profileOf, profiles } = await this.#records();
      if (profiles.length < 2) throw invalid([{ field: 'profiles', rule: 'count', message: 'matching needs at least two live profiles with traits' }]);
      const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
      const problems = missingColumns({ ...config, id: recordColumn }, columns).map((p) => ({ ...p, message: p.message.replace(/^column/, 'trait') }));
      if (problems.length > 0) throw invalid(problems.map((p) => ({ ...p, field: `config.${p.field}` })));
      const scored = await scoreInWorker({ rows, profileOf, config: parsed.value });
      const now = this.#o.clock.now();
      const runId = newId('mrun');

      const byId = scored.pairs.map((pair) => ({ pair, id: matchPairId(profiles[pair.a]!.anchor, profiles[pair.b]!.anchor) }));
      const known = await this.#o.matches.pairs(byId.map((x) => x.id));
      const records: MatchPairRecord[] = [];
      const merges: MatchPairRecord[] = [];
      let remembered = 0;
      // Only pairs that join two groups not yet joined need a message: the rest follow by transitivity.
      const joined = new UnionFind(profiles.length);
      for (const { pair, id } of byId) {
        const previous = known.get(id);
        if (previous !== undefined && previous.status !== 'review') {
          remembered++;
          continue;
        }
        const record: MatchPairRecord = {
          id,
          runId,
          leftKey: profiles[pair.a]!.anchor,
          rightKey: profiles[pair.b]!.anchor,
          leftProfileId: profiles[pair.a]!.id,
          rightProfileId: profiles[pair.b]!.id,
          probability: pair.explanation.probability,
          weight: pair.weight,
          status: pair.merge ? 'merged' : 'review',
          explanation: pair.explanation,
          decidedBy: pair.merge ? 'match-run' : null,
          decidedAt: pair.merge ? now : null,
          createdAt: previous?.createdAt ?? now,
          updatedAt: now,
        };
        records.push(record);
        if (pair.merge && joined.union(pair.a, pair.b)) merges.push(record);
      }
      const summary: MatchRun = {
        id: runId,
        createdAt: new Date(now).toISOString(),
        profiles: profiles.length,
        records: rows.length,
        candidatePairs: scored.candidatePairs,
        merged: records.filter((r) => r.status === 'merged').length,
        review: records.filter((r) => r.status === 'review').length,
        remembered,
        thresholds: configThresholds(config),
        lambda: scored.lambda,
        milliseconds: Math.round(performance.now() - started),
      };
      await this.#o.matches.saveRun({ id: runId, config, summary, createdAt: now }, records);
      await this.#link(merges);
      return summary;
    });
  }

  async pair(id: string): Promise<MatchPair> {
    const record = (await this.#o.matches.pairs([id])).get(id);
    if (record === undefined) throw notFound('match pair', id);
    return pairView(record);
  }

  async review(limit: number, cursor?: string): Promise<MatchReviewPage> {
    let after: { probability: number; id: string } | undefined;
    if (cursor !== undefined) {
      const parts = decodeCursor(cursor);
      const [probability, id] = parts ?? [];
      if (typeof probability !== 'number' || typeof id !== 'string') throw invalid([{ field: 'querystring.cursor', rule: 'cursor', message: 'is not a cursor this endpoint gave' }]);
      after = { probability, id };
    }
    // Pairs whose two profiles were joined since (another match, a shared identifier) are settled, not shown.
    const pairs: MatchPairRecord[] = [];
    let exhausted = false;
    while (pairs.length < limit && !exhausted) {
      const page = await this.#o.matches.reviewQueue(limit - pairs.length, after);
      exhausted = page.length < limit - pairs.length;
      const ws = new IdentityWorkspace(this.#o.identity);
      for (const pair of page) {
        after = { probability: pair.probability, id: pair.id };
        const [left, right] = await Promise.all([ws.profileOf(pair.leftKey), ws.profileOf(pair.rightKey)]);
        if (left !== undefined && left.id === right?.id) await this.#o.matches.decide(pair.id, 'review', 'merged', 'identity-graph', this.#o.clock.now());
        else pairs.push(pair);
      }
    }
    const last = pairs.at(-1);
    return { pairs: pairs.map(pairView), nextCursor: !exhausted && last ? encodeCursor([last.probability, last.id]) : null };
  }

  /** A person says the two are one: they are linked as a run would have. */
  async accept(id: string, by: string): Promise<MatchPair> {
    return this.#decide(id, 'accepted', by);
  }

  /** A person says the two are different: the pair leaves the queue and no run proposes it again. */
  async reject(id: string, by: string): Promise<MatchPair> {
    return this.#decide(id, 'rejected', by);
  }

  async #decide(id: string, to: Extract<MatchPairStatus, 'accepted' | 'rejected'>, by: string): Promise<MatchPair> {
    return this.#lock.run(async () => {
      const record = (await this.#o.matches.pairs([id])).get(id);
      if (record === undefined) throw notFound('match pair', id);
      // Deciding the same way twice is a retry, not a conflict.
      if (record.status === to) return pairView(record);
      if (record.status !== 'review') throw new TesseraError('TESSERA_ERR_CONFLICT', `match pair '${id}' is already ${record.status}`);
      const at = this.#o.clock.now();
      await this.#o.matches.decide(id, 'review', to, by, at);
      if (to === 'accepted') await this.#link([record]);
      return pairView({ ...record, status: to, decidedBy: by, decidedAt: at, updatedAt: at });
    });
  }

  /**
   * The source records of every live profile: one row of trait text per
   * fragment that carried traits, with the profile it belongs to; and each
   * profile's id and anchor (its highest-priority identifier).
   */
  async #records(): Promise<{ rows: Record<string, string>[]; profileOf: number[]; profiles: { id: string; anchor: string }[] }> {
    const rows: Record<string, string>[] = [];
    const profileOf: number[] = [];
    const profiles: { id: string; anchor: string }[] = [];
    let after = '';
    for (;;) {
      const page = await this.#o.identity.liveProfiles(after, profilePage);
      // A workspace sees the fragments of the profiles merged into each one; one per page bounds what it caches.
      const ws = new IdentityWorkspace(this.#o.identity);
      for (const profile of page) {
        const fragments = await ws.fragmentsOf(profile.id);
        const traitRows = fragments
          .map((fragment) => goldenTraits(asState(fragment.state), this.#o.profileRules))
          .filter((traits) => Object.keys(traits).length > 0)
          .map((traits) => Object.fromEntries(Object.entries(traits).map(([name, trait]) => [name, traitText(trait.value)])));
        const anchor = [...(await ws.identifiersOf(profile.id))].sort(this.#o.compareKeys)[0];
        if (traitRows.length === 0 || anchor === undefined) continue;
        for (const row of traitRows) {
          rows.push({ ...row, [recordColumn]: String(rows.length) });
          profileOf.push(profiles.length);
        }
        profiles.push({ id: profile.id, anchor });
      }
      const last = page.at(-1);
      if (last === undefined || page.length < profilePage) break;
      after = last.id;
    }
    return { rows, profileOf, profiles };
  }

  /** Appends one "Profiles Matched" message per pair: the identity stage links the two anchors. */
  async #link(pairs: readonly MatchPairRecord[]): Promise<void> {
    if (pairs.length === 0) return;
    const at = new Date(this.#o.clock.now()).toISOString();
    const messages = pairs.map(
      (pair): CollectedMessage => ({
        v: 1,
        messageId: `match:${pair.id}`,
        type: 'track',
        sourceId: this.#o.systemSourceId,
        channel: 'other',
        event: 'Profiles Matched',
        properties: { pair_id: pair.id, probability: pair.probability, match_weight: pair.weight, run_id: pair.runId, decided_by: pair.decidedBy ?? 'match-run' },
        context: { [internalContextKey]: { identifiers: [pair.leftKey, pair.rightKey], match: { pairId: pair.id, probability: pair.probability } } },
        timestamp: at,
        receivedAt: at,
      }),
    );
    await this.#o.log.append(messages.map((message) => ({ partitionKey: message.messageId, dedupeKey: `${message.sourceId}:${message.messageId}`, message })));
  }
}

/** Scores the records in a worker thread, so that the server goes on serving meanwhile. */
function scoreInWorker(input: ProfilePairScoringInput): Promise<ScoredProfilePairs> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(siblingModule(import.meta.url, 'match-worker'), input);
    worker.once('message', (message: { scored?: ScoredProfilePairs; error?: string }) => {
      if (message.scored) resolve(message.scored);
      else reject(new TesseraError('TESSERA_ERR_INTERNAL', `the match run failed: ${message.error ?? 'no result'}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new TesseraError('TESSERA_ERR_INTERNAL', `the match run's worker stopped (exit code ${code})`)));
  });
}

function pairView(record: MatchPairRecord): MatchPair {
  return {
    id: record.id,
    status: record.status,
    probability: record.probability,
    weight: record.weight,
    profileIds: [record.leftProfileId, record.rightProfileId],
    identifiers: [record.leftKey, record.rightKey],
    runId: record.runId,
    decidedBy: record.decidedBy,
    decidedAt: record.decidedAt === null ? null : new Date(record.decidedAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    explanation: record.explanation as MatchPair['explanation'],
  };
}

/** Which records are already joined by the merge messages of this run. */
class UnionFind {
  readonly #parent: Int32Array;
  constructor(size: number) {
    this.#parent = Int32Array.from({ length: size }, (_, i) => i);
  }
  #find(x: number): number {
    while (this.#parent[x] !== x) x = this.#parent[x] = this.#parent[this.#parent[x]!]!;
    return x;
  }
  /** Joins the groups of a and b; false when they were one already. */
  union(a: number, b: number): boolean {
    const ra = this.#find(a);
    const rb = this.#find(b);
    if (ra === rb) return false;
    this.#parent[rb] = ra;
    return true;
  }
}
