/**
 * Event to `Segment Entered`: while a steady stream of ordinary events flows
 * in through /v1/batch, probes send one event each through /v1/track that
 * makes its person enter the `probe` segment; the time from sending the
 * probe to its Segment Entered message being in the log (where journeys and
 * every other consumer read it) is measured by a reader polling the log's
 * SQLite file every millisecond. Same run baseline: the probe's own
 * acknowledgement (durable in the log).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { Source } from '../../src/contracts/index.js';
import { Random } from '../shared/random.js';
import { anonymousIdOf, isKnown, liveMessage, profileIdOf, userIdOf, type BenchSource } from './population.js';

export interface LatencyOptions {
  readonly url: string;
  readonly adminToken: string;
  readonly dataDir: string;
  readonly seed: number;
  readonly people: number;
  readonly probeSegmentId: string;
  readonly probes: number;
  readonly probesPerSecond: number;
  readonly backgroundPerSecond: number;
}

export interface LatencyResult {
  readonly probes: number;
  readonly entered: number[];
  readonly acks: number[];
  readonly missing: number;
  readonly backgroundSent: number;
  /** Batches of the stream not sent because too many were still unanswered (the server is behind). */
  readonly backgroundSkipped: number;
  /** Probes the server did not acknowledge (an error, or no answer within the request timeout); they count as missing too. */
  readonly unacknowledged: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** A request unanswered this long has failed: an overloaded server cannot hold the measurement up indefinitely. */
const requestTimeoutMs = 30_000;
/** Unanswered batches of the stream at most: past it, a server that is behind is not sent ever more at once. */
const maxBatchesInFlight = 64;

export async function measureLatency(o: LatencyOptions): Promise<LatencyResult> {
  // Salted per run: a --reuse run on the same stores sends new messages, not ones the log would take for duplicates.
  const rng = new Random(o.seed * 13 + 1 + (Date.now() % 1_000_000_007));
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${o.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${o.adminToken}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const source = await api<Source>('POST', '/sources', { name: 'Latency probes', channel: 'web' });
  const auth = `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`;
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${o.url}${path}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
  const sources: BenchSource[] = [{ id: source.id, channel: 'web' }, { id: source.id, channel: 'web' }, { id: source.id, channel: 'web' }];

  // The log's reader: Segment Entered messages of the probe segment, by profile id, with when they were seen.
  const reader = new Database(join(o.dataDir, 'log.db'), { readonly: true, fileMustExist: true });
  const tail = reader.prepare<[number], { offset: number; payload: string }>('SELECT offset, payload FROM log WHERE offset > ? ORDER BY offset LIMIT 5000');
  let position = reader.prepare<[], { head: number }>('SELECT coalesce(max(offset), 0) AS head FROM log').get()?.head ?? 0;
  const seen = new Map<string, number>();
  let watching = true;
  const watch = (async () => {
    while (watching) {
      for (const row of tail.all(position)) {
        position = row.offset;
        if (!row.payload.includes('Segment Entered') || !row.payload.includes(o.probeSegmentId)) continue;
        const message = JSON.parse(row.payload) as { properties?: { profile_id?: string; segment_id?: string } };
        if (message.properties?.segment_id === o.probeSegmentId && message.properties.profile_id !== undefined) {
          seen.set(message.properties.profile_id, performance.now());
        }
      }
      await sleep(1);
    }
  })();

  // Ordinary traffic, in batches of 100, for as long as the probes run.
  let backgroundSent = 0;
  let backgroundSkipped = 0;
  let inFlight = 0;
  let background = true;
  const stream = (async () => {
    const every = (100 / o.backgroundPerSecond) * 1000;
    for (let next = performance.now(); background; next += every) {
      await sleep(Math.max(0, next - performance.now()));
      if (inFlight >= maxBatchesInFlight) {
        backgroundSkipped++;
        continue;
      }
      const batch = Array.from({ length: 100 }, () => {
        const m = liveMessage(rng, o.seed, rng.int(0, o.people - 1), Date.now(), sources);
        return { type: 'track', messageId: m.messageId, userId: m.userId, anonymousId: m.anonymousId, event: m.event, properties: m.properties };
      });
      inFlight++;
      void post('/v1/batch', { batch })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined)
        .finally(() => inFlight--);
      backgroundSent += batch.length;
    }
  })();
  await sleep(2_000);

  // Probes: distinct people, none of whom did the probe event before (a --reuse run skips the members an earlier run made).
  const members = new Set<string>();
  for (let cursor: string | null = ''; cursor !== null; ) {
    const page: { members: { profileId: string }[]; nextCursor: string | null } = await api('GET', `/segments/${o.probeSegmentId}/members?limit=1000${cursor === '' ? '' : `&cursor=${cursor}`}`);
    for (const m of page.members) members.add(m.profileId);
    cursor = page.nextCursor;
  }
  const chosen = new Set<number>();
  const sent = new Map<string, number>();
  const acks: number[] = [];
  let unacknowledged = 0;
  const pending: Promise<void>[] = [];
  const interval = 1000 / o.probesPerSecond;
  for (let i = 0, next = performance.now(); i < o.probes; i++, next += interval) {
    let index = rng.int(0, o.people - 1);
    while (chosen.has(index) || members.has(profileIdOf(o.seed, index))) index = rng.int(0, o.people - 1);
    chosen.add(index);
    const who = isKnown(o.seed, index) ? { userId: userIdOf(index) } : { anonymousId: anonymousIdOf(index) };
    const profileId = profileIdOf(o.seed, index);
    const started = performance.now();
    sent.set(profileId, started);
    pending.push(
      post('/v1/track', { ...who, event: 'Coupon Applied', properties: { code: `P${i}` } })
        .then(async (r) => {
          await r.arrayBuffer();
          if (r.ok) acks.push(performance.now() - started);
          else unacknowledged++;
        })
        .catch(() => {
          unacknowledged++;
        }),
    );
    await sleep(Math.max(0, next + interval - performance.now()));
  }
  await Promise.all(pending);
  for (let waited = 0; waited < 15_000 && seen.size < sent.size; waited += 50) await sleep(50);
  background = false;
  await stream;
  watching = false;
  await watch;
  reader.close();

  const entered: number[] = [];
  for (const [profileId, started] of sent) {
    const at = seen.get(profileId);
    if (at !== undefined) entered.push(at - started);
  }
  return { probes: sent.size, entered, acks, missing: sent.size - entered.length, backgroundSent, backgroundSkipped, unacknowledged };
}
