/**
 * Segments benchmark: the SQL side (first members, previews) and real-time
 * evaluation, on a seeded population.
 *
 *   npm run bench:segments -- [--profiles 1000000] [--events 10000000] [--seed 1] [--live-segments 200]
 *                             [--realtime-events 20000] [--probes 600] [--probe-rate 20] [--background-rate 1000[,100...]]
 *                             [--data-dir <dir>] [--keep-data] [--reuse]
 *
 * The population is written straight into the stores through their adapters
 * (load.ts), as the pipeline would have left them, not sent through the
 * pipeline: 10M events through unify, the event store and 200 live segments
 * would take most of an hour on two cores and measure ingest, which
 * bench:ingest and bench:identity measure; here the stores' contents are what
 * matters, and they are built with the unify stage's own functions. Live
 * traffic (c, d) does go through the pipeline.
 *
 * Prints, each beside a baseline measured in the same run:
 *  (a) first members of 5 representative new segments: the compiled query
 *      vs the same query written by hand in DuckDB SQL (goal: within 1.5x),
 *      and the whole build through the API (history backfill included);
 *  (b) preview latency through the API (goal < 1 s) vs the hand-written query;
 *  (c) real-time evaluation per event with the live segments and computed
 *      traits (goal < 50 us) vs the unify stage and an empty segment set;
 *  (d) event to Segment Entered p99 (goal < 100 ms) vs the event's own ack.
 * Tessera runs in this process (src/, through tsx), sharing the machine's
 * cores with the load it is measured under.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { TIMESTAMP, timestampValue, type DuckDBValue } from '@duckdb/node-api';
import { pino } from 'pino';
import { DuckDbEventStore } from '../../src/adapters/duckdb/index.js';
import { systemClock } from '../../src/lib/clock.js';
import { compileMembershipChanges, compileToSql, readDefinition } from '../../src/segments/index.js';
import { loadConfig } from '../../src/server/config.js';
import { startTessera, type RunningTessera } from '../../src/server/runtime.js';
import { root } from '../ingest/children.js';
import { measureLatency, type LatencyResult } from './latency.js';
import { loadPopulation } from './load.js';
import { previewOnly, representative } from './population.js';
import { measureRealtime } from './realtime.js';

const { values: flags } = parseArgs({
  options: {
    profiles: { type: 'string', default: '1000000' },
    events: { type: 'string', default: '10000000' },
    seed: { type: 'string', default: '1' },
    'live-segments': { type: 'string', default: '200' },
    'realtime-events': { type: 'string', default: '20000' },
    probes: { type: 'string', default: '600' },
    'probe-rate': { type: 'string', default: '20' },
    'background-rate': { type: 'string', default: '1000' },
    'data-dir': { type: 'string' },
    'keep-data': { type: 'boolean', default: false },
    /** Uses the population already loaded in --data-dir (from an earlier --keep-data run with the same sizes). */
    reuse: { type: 'boolean', default: false },
  },
});
const num = (name: keyof typeof flags): number => {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const people = num('profiles');
const eventCount = num('events');
const seed = num('seed');
const liveCount = num('live-segments');
/** (d) runs once per rate of the other events' stream. */
const backgroundRates = (flags['background-rate'] ?? '').split(',').map((rate) => {
  const value = Number(rate);
  if (!Number.isInteger(value) || value < 1) throw new Error('--background-rate must be positive integers, comma-separated');
  return value;
});
const adminToken = 'bench-admin-token-0123456789';
const dataDir = resolve(flags['data-dir'] ?? join(root, '.bench-data', `segments-s${seed}-p${people}-e${eventCount}`));

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number): string => `${fmt(n, n < 10 ? 2 : n < 100 ? 1 : 0)} ms`;
const phase = (text: string): void => console.log(`\n== ${text}`);
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const quantile = (xs: readonly number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
};
const verdict = (ok: boolean): string => (ok ? 'meets the goal' : 'MISSES the goal');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const configFile = join(dataDir, 'tessera-config.json');
const marker = join(dataDir, 'loaded.json');

async function prepare(): Promise<void> {
  if (flags.reuse && (await stat(marker).catch(() => undefined)) !== undefined) {
    console.log(`   reusing the population in ${dataDir}: ${await readFile(marker, 'utf8')}`);
    return;
  }
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  await writeFile(configFile, JSON.stringify({ profiles: { consent: { traits: { newsletter: [{ channel: 'email', purpose: 'marketing' }] } } } }));
  const summary = await loadPopulation({ dataDir, configFile, seed, people, events: eventCount, liveSegments: liveCount, clock: systemClock, progress: console.log });
  console.log(
    `   loaded ${fmt(summary.people)} profiles, ${fmt(summary.messages)} messages (${fmt(summary.trackEvents)} track events), ` +
      `${fmt(summary.memberships)} memberships of ${liveCount} live segments, in ${fmt(summary.ms / 1000, 0)} s`,
  );
  await writeFile(marker, JSON.stringify({ people, events: eventCount, seed, liveCount, loadedAt: new Date().toISOString() }));
}

/** Log lines of the server, kept for the build phases; errors are shown. */
function serverLogger(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) {
        if (text === '') continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        if (typeof line.level === 'number' && line.level >= 50) console.log(`   server error: ${String(line.msg)} ${JSON.stringify(line.err ?? '')}`.slice(0, 400));
      }
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

async function start(lines: Record<string, unknown>[]): Promise<RunningTessera> {
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir, adminToken, logLevel: 'info', configFile });
  if (!config.ok) throw new Error(JSON.stringify(config.error));
  const running = await startTessera(config.value, serverLogger(lines), systemClock);
  await running.ready;
  return running;
}

async function api<T>(running: RunningTessera, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${running.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

async function settle(running: RunningTessera): Promise<void> {
  for (let i = 0; i < 36_000 && (await running.lag()) > 0; i++) await sleep(50);
}

interface Preview {
  readonly definition: string;
  readonly count: number;
  readonly tookMs: number[];
  readonly roundTripMs: number[];
}
interface Build {
  readonly name: string;
  readonly wallMs: number;
  readonly log: Record<string, unknown> | undefined;
  readonly size: number;
}

async function main(): Promise<void> {
  console.log(`Segments benchmark: ${fmt(people)} profiles, ~${fmt(eventCount)} events, ${liveCount} live segments, seed ${seed}`);
  console.log(`   data: ${dataDir}`);
  phase('Loading the population into the stores');
  await prepare();

  phase('Starting Tessera on it (the profile mirror is built from nothing before it is ready)');
  const lines: Record<string, unknown>[] = [];
  const startedAt = performance.now();
  const running = await start(lines);
  const mirrorBuildMs = performance.now() - startedAt;
  console.log(`   ready in ${fmt(mirrorBuildMs / 1000, 1)} s (mirror of ${fmt(people)} profiles built from the operational store)`);
  // Segment timers that came due since the load, and what a --reuse run's earlier one left, are applied before anything is measured.
  const settling = performance.now();
  await settle(running);
  console.log(`   settled in ${fmt((performance.now() - settling) / 1000, 1)} s (stages and mirror caught up)`);

  phase('(b) Previews through the API');
  const previews: Preview[] = [];
  for (const definition of [...representative.map((r) => r.text), ...previewOnly]) {
    const tookMs: number[] = [];
    const roundTripMs: number[] = [];
    let count = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const res = await api<{ count: number; tookMs: number }>(running, 'POST', '/segments/preview', { definition });
      if (res.status !== 200) throw new Error(`preview ${definition}: ${res.status} ${JSON.stringify(res.body)}`);
      roundTripMs.push(performance.now() - t);
      tookMs.push(res.body.tookMs);
      count = res.body.count;
    }
    previews.push({ definition, count, tookMs, roundTripMs });
    console.log(`   ${ms(median(roundTripMs)).padStart(9)} round trip, ${ms(median(tookMs)).padStart(9)} query  ${fmt(count).padStart(9)} people  ${definition}`);
  }

  phase('(a) New segments built through the API: history backfill, then first members by SQL');
  const builds: Build[] = [];
  // A --reuse run on a data dir an earlier run stopped in may still hold them.
  for (const s of (await api<{ segments: { id: string; name: string }[] }>(running, 'GET', '/segments')).body.segments) {
    if (representative.some((r) => r.name === s.name)) await api(running, 'DELETE', `/segments/${s.id}`);
  }
  for (const r of representative) {
    const t = performance.now();
    const created = await api<{ id: string }>(running, 'POST', '/segments', { name: r.name, definition: r.text });
    if (created.status !== 201) throw new Error(`create ${r.name}: ${created.status} ${JSON.stringify(created.body)}`);
    let view: { status: string; size: number; error: string | null };
    for (;;) {
      view = (await api<{ status: string; size: number; error: string | null }>(running, 'GET', `/segments/${created.body.id}`)).body;
      if (view.status === 'live' || view.status === 'failed') break;
      await sleep(100);
    }
    if (view.status === 'failed') throw new Error(`${r.name} failed: ${view.error}`);
    const wallMs = performance.now() - t;
    const log = lines.find((l) => l.msg === 'segment built' && l.segment === created.body.id);
    builds.push({ name: r.name, wallMs, log, size: view.size });
    console.log(
      `   ${fmt(wallMs / 1000, 1).padStart(6)} s  ${r.name}: ${fmt(view.size)} members; history ${ms(Number(log?.aggregatesMs))}, first members (${String(log?.by)}) ${ms(Number(log?.membersMs))}` +
        ` = mirror catch-up ${ms(Number(log?.catchUpMs))} + query ${ms(Number(log?.queryMs))} + writing ${fmt(Number(log?.rows))} rows ${ms(Number(log?.writeMs))}`,
    );
  }

  phase('(d) Event to Segment Entered, under a steady stream of other events');
  const probeSegment = (await api<{ segments: { id: string; name: string }[] }>(running, 'GET', '/segments')).body.segments.find((s) => s.name === 'probe');
  if (probeSegment === undefined) throw new Error('the probe segment is missing');
  const latencies: { rate: number; result: LatencyResult }[] = [];
  for (const rate of backgroundRates) {
    // Each stream starts on caught-up stages: the backlog a faster one left is not this one's.
    await settle(running);
    const latency = await measureLatency({
      url: running.url,
      adminToken,
      dataDir,
      seed,
      people,
      probeSegmentId: probeSegment.id,
      probes: num('probes'),
      probesPerSecond: num('probe-rate'),
      backgroundPerSecond: rate,
    });
    latencies.push({ rate, result: latency });
    console.log(
      `   ${fmt(rate)} other events/s: ${fmt(latency.probes)} probes among ${fmt(latency.backgroundSent)} other events: entered p50 ${ms(median(latency.entered))}, p99 ${ms(quantile(latency.entered, 0.99))}, ` +
        `max ${ms(Math.max(...latency.entered))}; ack p50 ${ms(median(latency.acks))}, p99 ${ms(quantile(latency.acks, 0.99))}; missing ${latency.missing} ` +
        `(${latency.unacknowledged} unacknowledged); ${fmt(latency.backgroundSkipped)} batches of the stream skipped, the server being behind`,
    );
  }

  // The representative segments go, so that a --reuse run can create them again.
  for (const b of (await api<{ segments: { id: string; name: string }[] }>(running, 'GET', '/segments')).body.segments) {
    if (representative.some((r) => r.name === b.name)) await api(running, 'DELETE', `/segments/${b.id}`);
  }
  await settle(running);
  await running.close();

  phase('(a, b) The compiled queries beside the same queries written by hand, on DuckDB directly');
  const events = await DuckDbEventStore.open(join(dataDir, 'events.duckdb'));
  const db = await events.connect();
  const now = Date.now();
  const timeCount = async (sql: string, params: Readonly<Record<string, DuckDBValue>>, types?: Record<string, typeof TIMESTAMP>): Promise<{ ms: number; count: number }> => {
    const t = performance.now();
    const rows = (await db.runAndReadAll(`SELECT count(*) AS n FROM (${sql})`, { ...params }, types)).getRowObjectsJS();
    return { ms: performance.now() - t, count: Number(rows[0]?.n) };
  };
  const queries = [];
  for (const r of representative) {
    const read = readDefinition(r.text);
    if (!read.ok) throw new Error(r.text);
    const compiled = compileToSql(read.value, now);
    const changes = compileMembershipChanges(read.value, now, r.name);
    const hand = { sql: r.sql, params: r.sql.includes('$now') ? { now: timestampValue(BigInt(now) * 1000n) } : {} };
    const handTypes = r.sql.includes('$now') ? { now: TIMESTAMP } : undefined;
    const times = { compiled: [] as number[], hand: [] as number[], changes: [] as number[] };
    let counts = { compiled: 0, hand: 0 };
    for (let i = 0; i < 3; i++) {
      const a = await timeCount(compiled.sql, compiled.params);
      const b = await timeCount(hand.sql, hand.params, handTypes);
      const c = await timeCount(changes.sql, changes.params);
      times.compiled.push(a.ms);
      times.hand.push(b.ms);
      times.changes.push(c.ms);
      counts = { compiled: a.count, hand: b.count };
    }
    const ratio = median(times.compiled) / median(times.hand);
    queries.push({ name: r.name, times, counts, ratio });
    console.log(
      `   ${ms(median(times.compiled)).padStart(9)} compiled vs ${ms(median(times.hand)).padStart(9)} by hand = ${fmt(ratio, 2)}x (${verdict(ratio <= 1.5)}); ` +
        `with timers ${ms(median(times.changes))}; ${fmt(counts.compiled)} vs ${fmt(counts.hand)} people  ${r.name}`,
    );
  }
  db.closeSync();
  await events.close();

  phase('(c) Real-time evaluation per event');
  const realtime = await measureRealtime({ dataDir, configFile, seed, people, events: num('realtime-events'), clock: systemClock });
  console.log(
    `   segments stage ${fmt(realtime.stageUs, 1)} us/event with ${realtime.segments} live segments and ${realtime.computedTraits} computed traits ` +
      `(${verdict(realtime.stageUs < 50)}); baselines: ${fmt(realtime.emptyStageUs, 1)} us/event with no live segment, unify stage ${fmt(realtime.unifyUs, 1)} us/event`,
  );
  console.log(
    `   ${fmt(realtime.outboxMessages)} Segment Entered/Exited written for ${fmt(realtime.events)} events; profile mirror upkeep ${fmt(realtime.mirrorUsPerProfile, 1)} us per changed profile (${fmt(realtime.mirroredProfiles)} profiles)`,
  );

  phase('Summary');
  const rows: [string, string, string, string][] = [];
  for (const q of queries) {
    rows.push([`(a) first members, ${q.name}`, `${ms(median(q.times.compiled))} compiled`, `${ms(median(q.times.hand))} by hand (${fmt(q.ratio, 2)}x)`, verdict(q.ratio <= 1.5)]);
  }
  for (const b of builds) rows.push([`(a) whole build, ${b.name}`, `${fmt(b.wallMs / 1000, 1)} s`, `of which history ${ms(Number(b.log?.aggregatesMs))}`, '-']);
  for (const [i, p] of previews.entries()) {
    const hand = queries[i];
    rows.push([`(b) preview, ${p.definition.slice(0, 60)}`, `${ms(median(p.roundTripMs))} round trip`, hand ? `${ms(median(hand.times.hand))} hand-written query` : `${ms(median(p.tookMs))} query`, verdict(median(p.roundTripMs) < 1000)]);
  }
  rows.push(['(c) real-time evaluation per event', `${fmt(realtime.stageUs, 1)} us`, `unify ${fmt(realtime.unifyUs, 1)} us, no segments ${fmt(realtime.emptyStageUs, 1)} us`, verdict(realtime.stageUs < 50)]);
  for (const { rate, result } of latencies) {
    const p99 = quantile(result.entered, 0.99);
    rows.push([`(d) event to Segment Entered, p99, ${fmt(rate)} other events/s`, ms(p99), `ack p99 ${ms(quantile(result.acks, 0.99))}, ${result.missing} missing`, verdict(p99 < 100 && result.missing === 0)]);
  }
  rows.push(['profile mirror built from nothing', `${fmt(mirrorBuildMs / 1000, 1)} s`, `${fmt(people)} profiles`, '-']);
  for (const [what, value, baseline, goal] of rows) console.log(`   ${what.padEnd(78)} ${value.padStart(16)}   ${baseline.padEnd(40)} ${goal}`);

  if (!flags['keep-data']) await rm(dataDir, { recursive: true, force: true });
  else console.log(`\n   data kept in ${dataDir} (--reuse to run on it again)`);
}

await main();
