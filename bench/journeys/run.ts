/**
 * Journeys benchmark: durable timers at scale, and event-to-send latency.
 *
 *   npm run bench:journeys -- [--instances 1000000] [--rate 3334] [--lead 15]
 *                             [--events 3000] [--event-rate 100] [--data-dir <dir>] [--keep-data]
 *
 * (a) Timers: `--instances` people wait in a journey (a one-minute wait, then
 *     an in-app message), written straight into the operational store
 *     (seed.ts); their timers come due at `--rate` per second, starting
 *     `--lead` seconds (default 15) after the seeding ended. Each timer runs
 *     three steps (the wait ends, the send, the exit), so the default rate is
 *     the goal's load, 10,000 steps/s; a rate above what the loop can fire
 *     (e.g. --rate 100000) measures its ceiling instead, lateness then
 *     growing with the backlog. Tessera then runs on that data
 *     dir in this process and its timer loop fires them. Prints peak memory,
 *     timers fired per second and the lateness of a timer (the send's time
 *     minus the timer's due time; p50, p99, max), beside the raw ceiling of
 *     the same storage measured in the same run: as many single-row updates
 *     of journey_instances in a tight loop, 500 per transaction like the stage.
 *     Goals: 10,000 steps/s, p99 lateness < 1 s.
 * (b) Event to send: a journey that sends on an event; `--events` new people
 *     send it through /v1/track at `--event-rate` per second; the latency is
 *     the send's time minus the moment the request was made (goal p99 < 200 ms),
 *     beside the tracking call's own round trip.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openSqliteOperationalStore } from '../../src/adapters/sqlite/index.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { loadConfig } from '../../src/server/config.js';
import { startTessera, type RunningTessera } from '../../src/server/runtime.js';
import { indexOfInstance, seedWaiting, waitingJourney } from './seed.js';

const { values: flags } = parseArgs({
  options: {
    instances: { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '3334' },
    lead: { type: 'string' },
    events: { type: 'string', default: '3000' },
    'event-rate': { type: 'string', default: '100' },
    'data-dir': { type: 'string' },
    'keep-data': { type: 'boolean', default: false },
  },
});
const num = (name: keyof typeof flags): number => Number(flags[name]);
const instances = num('instances');
const rate = num('rate');
/** From the end of seeding to the first due timer: time for the server to start. */
const leadMs = Number(flags.lead ?? '15') * 1000;
const adminToken = 'bench-journeys-admin-token-0123456789';
const stepsPerTimer = 3;

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes: number): string => `${fmt(bytes / 2 ** 20)} MB`;
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
const spread = (values: number[]): string => {
  values.sort((a, b) => a - b);
  return `p50 ${fmt(percentile(values, 50))} ms, p99 ${fmt(percentile(values, 99))} ms, max ${fmt(values.at(-1) ?? Number.NaN)} ms`;
};

async function startServer(dataDir: string): Promise<RunningTessera> {
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir, adminToken, logLevel: 'warn' });
  if (!config.ok) throw new Error(JSON.stringify(config.error));
  const running = await startTessera(config.value, silentLogger, systemClock);
  await running.ready;
  return running;
}

async function api<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** (a) Fires the seeded timers; returns when every one has sent. */
async function timers(dataDir: string, start: number): Promise<RunningTessera> {
  const dueAt = (i: number): number => start + Math.floor((i * 1000) / rate);
  const server = await startServer(dataDir);
  const startedAt = Date.now();
  console.log(
    startedAt > start ? `   server up ${fmt((startedAt - start) / 1000, 1)} s after the first timer was due` : `   server up; the first timer is due in ${fmt((start - startedAt) / 1000, 1)} s`,
  );
  const reader = new Database(join(dataDir, 'state.db'), { readonly: true });
  // The soonest timer still waiting, through the timers' own index: counting sends would scan a
  // growing table on this process's event loop, which the server shares, and make timers late.
  const soonest = reader.prepare<[], { wake_at: number }>(
    "SELECT wake_at FROM journey_instances WHERE status = 'active' AND wake_at IS NOT NULL ORDER BY wake_at LIMIT 1",
  );
  let peakRss = 0;
  let peakHeap = 0;
  const deadline = dueAt(instances - 1) + 30 * 60_000;
  for (let last = -1; ; await sleep(1000)) {
    const memory = process.memoryUsage();
    peakRss = Math.max(peakRss, memory.rss);
    peakHeap = Math.max(peakHeap, memory.heapUsed);
    const next = soonest.get()?.wake_at;
    if (next === undefined) break;
    if (Date.now() > deadline) throw new Error(`timers still waiting from ${new Date(next).toISOString()}`);
    const behind = Math.max(0, Math.floor(((next - start) * rate) / 1000));
    if (Math.floor(behind / 100_000) !== last && Date.now() >= start) {
      last = Math.floor(behind / 100_000);
      console.log(`   about ${fmt(behind)} fired, ${fmt((Date.now() - start) / 1000)} s after the first was due`);
    }
  }
  const sends = reader
    .prepare<[string], { instance_id: string; at: number }>('SELECT instance_id, at FROM journey_sends WHERE journey_id = ?')
    .all(waitingJourney.id);
  reader.close();
  const lateness = sends.map((s) => s.at - dueAt(indexOfInstance(s.instance_id)));
  const firstFired = sends.reduce((min, s) => Math.min(min, s.at), Number.POSITIVE_INFINITY);
  const lastFired = sends.reduce((max, s) => Math.max(max, s.at), 0);
  const firingFrom = Math.max(firstFired, start);
  const perSecond = sends.length / ((lastFired - firingFrom) / 1000);
  console.log(`   timers fired: ${fmt(sends.length)} in ${fmt((lastFired - firingFrom) / 1000, 1)} s = ${fmt(perSecond)} timers/s = ${fmt(perSecond * stepsPerTimer)} steps/s`);
  console.log(`     (due at ${fmt(rate)}/s over ${fmt(instances / rate, 1)} s; each timer runs ${stepsPerTimer} steps: the wait ends, the send, the exit; one commit per 500)`);
  console.log(`   lateness of a timer: ${spread(lateness)}`);
  console.log(`   memory (this process, Tessera inside): peak RSS ${mb(peakRss)}, peak heap ${mb(peakHeap)}`);
  return server;
}

/** (b) Event to send through the running server. */
async function eventToSend(server: RunningTessera, dataDir: string): Promise<void> {
  const url = server.url;
  const events = num('events');
  const eventRate = num('event-rate');
  const source = await api<{ writeKey: string }>(url, 'POST', '/sources', { name: 'Bench events', channel: 'server' });
  const journey = await api<{ id: string }>(url, 'POST', '/journeys', {
    name: 'Bench welcome',
    definition: {
      entry: { kind: 'event', event: 'Bench Signed Up' },
      start: 'hello',
      steps: { hello: { type: 'send', channel: 'in_app', template: 'welcome', category: 'transactional', next: 'end' }, end: { type: 'exit' } },
    },
  });
  await api(url, 'POST', `/journeys/${journey.id}/publish`);
  const auth = `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`;
  const sentAt = new Map<string, number>();
  const roundTrips: number[] = [];
  const began = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < events; i++) {
    const wait = began + (i * 1000) / eventRate - performance.now();
    if (wait > 0) await sleep(wait);
    const messageId = `bench-signup-${i}`;
    const t0 = Date.now();
    sentAt.set(messageId, t0);
    inFlight.push(
      fetch(`${url}/v1/track`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ messageId, userId: `bench-signup-${i}`, event: 'Bench Signed Up' }),
      }).then(async (response) => {
        if (!response.ok) throw new Error(`track: ${response.status}`);
        await response.body?.cancel();
        roundTrips.push(Date.now() - t0);
      }),
    );
  }
  await Promise.all(inFlight);
  const reader = new Database(join(dataDir, 'state.db'), { readonly: true });
  const query = reader.prepare<[string], { message_id: string; at: number }>(
    "SELECT json_extract(i.entry, '$.messageId') AS message_id, s.at AS at FROM journey_sends s JOIN journey_instances i ON i.id = s.instance_id WHERE s.journey_id = ?",
  );
  let rows = query.all(journey.id);
  for (const deadline = Date.now() + 60_000; rows.length < events && Date.now() < deadline; await sleep(200)) rows = query.all(journey.id);
  reader.close();
  if (rows.length < events) throw new Error(`only ${rows.length} of ${events} sends`);
  const latencies = rows.map((r) => r.at - (sentAt.get(r.message_id) ?? Number.NaN));
  console.log(`   ${fmt(events)} events at ${fmt(eventRate)}/s, each a new person entering and sent to at once`);
  console.log(`   event to send:           ${spread(latencies)}`);
  console.log(`   tracking call (baseline): ${spread(roundTrips)}`);
}

/**
 * Waits for `work` with the process held open: closing the server can wait on timers that do not
 * keep a process alive (unref'd), and without this one Node would end the run there, silently.
 */
async function heldOpen<T>(work: Promise<T>): Promise<T> {
  const hold = setInterval(() => undefined, 1000);
  try {
    return await work;
  } finally {
    clearInterval(hold);
  }
}

/** Moves every seeded timer by `ms` (one statement; the server is not running yet). */
function shiftSchedule(dataDir: string, ms: number): void {
  const db = new Database(join(dataDir, 'state.db'));
  db.prepare('UPDATE journey_instances SET wake_at = wake_at + ?, step_entered_at = step_entered_at + ? WHERE journey_id = ?').run(ms, ms, waitingJourney.id);
  db.close();
}

/** The raw ceiling: as many single-row updates of the same table, 500 per transaction, in a tight loop. */
function ceiling(dataDir: string): void {
  const db = new Database(join(dataDir, 'state.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const ids = db.prepare<[string], { id: string }>('SELECT id FROM journey_instances WHERE journey_id = ?').all(waitingJourney.id).map((r) => r.id);
  const update = db.prepare('UPDATE journey_instances SET visit = visit + 1, wake_at = NULL, step_entered_at = ? WHERE id = ?');
  const run = db.transaction((batch: readonly string[], at: number) => {
    for (const id of batch) update.run(at, id);
  });
  const started = performance.now();
  for (let from = 0; from < ids.length; from += 500) run(ids.slice(from, from + 500), Date.now());
  const seconds = (performance.now() - started) / 1000;
  db.close();
  console.log(`   raw ceiling (same table, ${fmt(ids.length)} row updates, 500 per transaction): ${fmt(ids.length / seconds)} rows/s`);
}

async function main(): Promise<void> {
  const dataDir = flags['data-dir'] === undefined ? await mkdtemp(join(tmpdir(), 'tessera-bench-journeys-')) : resolve(flags['data-dir']);
  await mkdir(dataDir, { recursive: true });
  console.log(`bench:journeys — ${fmt(instances)} waiting instances, due at ${fmt(rate)}/s; data in ${dataDir}`);
  try {
    // Seeded a day ahead, then the whole schedule moves to begin `--lead` seconds from now, however long seeding took.
    const seededStart = Date.now() + 86_400_000;
    const state = openSqliteOperationalStore(join(dataDir, 'state.db'));
    const seeding = performance.now();
    await seedWaiting(state, instances, (i) => seededStart + Math.floor((i * 1000) / rate), Date.now(), (line) => console.log(line));
    await state.close();
    console.log(`   seeded in ${fmt((performance.now() - seeding) / 1000, 1)} s`);
    // A first start builds the profile mirror (DuckDB) from the seeded profiles, as a server that had
    // received them would already have; the timers, a day ahead, stay put.
    const warming = performance.now();
    await heldOpen((await startServer(dataDir)).close());
    console.log(`   first start (profile mirror built) in ${fmt((performance.now() - warming) / 1000, 1)} s`);
    const start = Date.now() + leadMs;
    shiftSchedule(dataDir, start - seededStart);

    console.log('(a) timers');
    const server = await timers(dataDir, start);
    console.log('(b) event to send');
    await eventToSend(server, dataDir);
    await heldOpen(server.close());
    ceiling(dataDir);
  } finally {
    if (!flags['keep-data'] && flags['data-dir'] === undefined) await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
