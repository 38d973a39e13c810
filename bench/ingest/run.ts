/**
 * Ingest benchmark: durable throughput of Tessera's tracking API against the
 * ceiling of a bare Fastify route, measured in the same run on the same machine.
 *
 *   npm run bench:ingest -- [--duration 10] [--warmup 2] [--clients 8] [--batch-size 100] [--skip-build] [--cpu-prof]
 *
 * Scenario A posts /v1/batch bodies of realistic track calls (unique
 * messageIds) and counts events acknowledged per second; scenario B posts
 * single /v1/track calls and counts requests per second. Each runs against the
 * ceiling, then against Tessera; Tessera's stages (unify, event store,
 * segments) are then given time to catch up, so the next measurement starts
 * quiet and the server CPU per event includes everything the event cost. Each
 * stage's lag when the load stopped and the time it took to catch up are
 * reported: the stages may fall behind during a burst, and must catch up after.
 *
 * Tessera runs from `dist/` (built first with `npm run build`, unless
 * --skip-build), as `npm start` runs it: no TypeScript loader in the measured
 * process. The ceiling server and the load generator are each their own
 * process too (run through tsx, whose loader costs nothing once they have
 * started); the load generator shares the machine's cores with the server
 * it measures, for both targets alike. After the run Tessera is stopped and its
 * log file is counted, which must equal the number of events it acknowledged.
 * --cpu-prof runs Tessera under `node --cpu-prof` and prints, per scenario,
 * where each of its threads spent the measured window.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, runLoad } from './children.js';
import { EventSource } from './events.js';
import type { LoadOptions, LoadResult } from './load.js';
import { monotonicUs, summarizeWindow, type Window } from './profile-window.js';
import { printSummary } from '../shared/cpu-profile.js';
import { startCeiling, startTessera, type Target, type TesseraTarget } from './targets.js';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    clients: { type: 'string', default: '8' },
    'batch-size': { type: 'string', default: '100' },
    'skip-build': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const durationS = Number(flags.duration);
const warmupS = Number(flags.warmup);
const clients = Number(flags.clients);
const batchSize = Number(flags['batch-size']);
if (![durationS, clients, batchSize].every((n) => Number.isInteger(n) && n > 0) || !(warmupS >= 0)) {
  console.error('--duration, --clients and --batch-size take whole numbers above 0, --warmup a number of seconds');
  process.exit(2);
}

const goalEventsPerSecond = 50_000;
const goalRatio = 0.5;

interface Scenario {
  readonly name: string;
  readonly path: LoadOptions['path'];
  readonly eventsPerRequest: number;
  /** Which rate the scenario is judged by. */
  readonly unit: 'events/s' | 'req/s';
}

const scenarios: readonly Scenario[] = [
  { name: `A  /v1/batch, ${batchSize} events per request`, path: '/v1/batch', eventsPerRequest: batchSize, unit: 'events/s' },
  { name: 'B  /v1/track, one event per request', path: '/v1/track', eventsPerRequest: 1, unit: 'req/s' },
];

interface Run extends LoadResult {
  /** Server CPU per event acknowledged (for Tessera including the projections' catch-up afterwards). */
  readonly cpuUsPerEvent: number;
  /** The measured part of the load, on the clock CPU profiles use. */
  readonly window: Window;
}

/** One stage's lag (log records not yet applied) when the load stopped, and how long it took to apply them. */
interface StageCatchUp {
  readonly lag: number;
  readonly catchUpS: number;
}

interface Outcome {
  readonly ceiling: Run;
  readonly tessera: Run;
  /** By stage (unify, event-store, segments...). */
  readonly stages: Record<string, StageCatchUp>;
}

const phase = (text: string): void => console.log(`\n== ${text}`);

async function drive(name: string, target: Target, scenario: Scenario, runId: string, after?: () => Promise<void>): Promise<Run> {
  const cpuBefore = target.cpuSeconds();
  phase(`${name}: ${scenario.name} (${clients} clients, ${warmupS} s warm-up, ${durationS} s measured)`);
  const startedUs = monotonicUs();
  const result = await runLoad({
    url: target.url,
    path: scenario.path,
    eventsPerRequest: scenario.eventsPerRequest,
    writeKey: target.writeKey,
    clients,
    warmupS,
    durationS,
    runId,
  });
  const failed = Object.entries(result.failures).map(([status, n]) => `${n} x ${status}`);
  console.log(
    `   ${fmt(rate(scenario, result))} ${scenario.unit}, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms,` +
      ` load generator at ${(result.clientCpu * 100).toFixed(0)}% of a core${failed.length > 0 ? `, failures: ${failed.join(', ')}` : ''}`,
  );
  await after?.();
  const cpuUsPerEvent = ((target.cpuSeconds() - cpuBefore) * 1e6) / result.ackedEvents;
  console.log(`   server CPU: ${cpuUsPerEvent.toFixed(1)} µs per event${after ? ', projections included' : ''}`);
  const fromUs = startedUs + warmupS * 1e6;
  return { ...result, cpuUsPerEvent, window: { fromUs, toUs: fromUs + durationS * 1e6 } };
}

/**
 * Waits until every stage has applied the whole log, so the next measurement
 * starts from a quiet server; says, per stage, how far behind it was when the
 * load stopped and when it caught up.
 */
async function catchUp(tessera: TesseraTarget): Promise<Record<string, StageCatchUp>> {
  const started = performance.now();
  const atStop = await tessera.projectionLags();
  const caughtUpAt: Record<string, number> = {};
  for (let lags = atStop; ; lags = await tessera.projectionLags()) {
    const elapsedS = (performance.now() - started) / 1000;
    // A stage can fall behind again (segments append Segment Entered events): it caught up when it last reached 0.
    for (const [stage, lag] of Object.entries(lags)) {
      if (lag > 0) delete caughtUpAt[stage];
      else caughtUpAt[stage] ??= elapsedS;
    }
    const behind = Object.entries(lags).filter(([, lag]) => lag > 0);
    if (behind.length === 0) break;
    if (elapsedS > 600) throw new Error(`the stages still lag after 10 minutes: ${behind.map(([stage, lag]) => `${stage} ${fmt(lag)}`).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const stages = Object.fromEntries(Object.entries(atStop).map(([stage, lag]) => [stage, { lag, catchUpS: caughtUpAt[stage] ?? 0 }]));
  console.log(`   stages when the load stopped: ${describeStages(stages)}`);
  return stages;
}

const describeStages = (stages: Record<string, StageCatchUp>): string =>
  Object.entries(stages)
    .map(([stage, { lag, catchUpS }]) => `${stage} ${fmt(lag)} records behind, caught up in ${catchUpS.toFixed(1)} s`)
    .join('; ');

/**
 * Each scenario runs against the ceiling and then against Tessera, back to
 * back, so both see the same machine (other work on it drifts over minutes).
 */
async function measure(nodeArgs: readonly string[]): Promise<{ outcomes: Map<Scenario, Outcome>; loggedEvents: number }> {
  phase('starting the ceiling server and Tessera (node dist/cli/main.js start, fresh data dir)');
  const ceiling = await startCeiling();
  const tessera = await startTessera(nodeArgs).catch(async (error: unknown) => {
    await ceiling.stop();
    throw error;
  });
  try {
    const outcomes = new Map<Scenario, Outcome>();
    const runId = randomBytes(4).toString('hex');
    for (const [i, scenario] of scenarios.entries()) {
      const ceilingRun = await drive('ceiling', ceiling, scenario, `${runId}c${i}`);
      let stages: Record<string, StageCatchUp> = {};
      const tesseraRun = await drive('tessera', tessera, scenario, `${runId}t${i}`, async () => {
        stages = await catchUp(tessera);
      });
      outcomes.set(scenario, { ceiling: ceilingRun, tessera: tesseraRun, stages });
    }
    phase('stopping Tessera, then counting the events in its log');
    return { outcomes, loggedEvents: await tessera.stopAndCountLog() };
  } finally {
    await Promise.all([ceiling.stop(), tessera.stop()]);
  }
}

const rate = (scenario: Scenario, r: LoadResult): number => (scenario.unit === 'events/s' ? r.events : r.requests) / durationS;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (r: LoadResult): string => `${r.p50Ms.toFixed(1)} / ${r.p99Ms.toFixed(1)}`;
const verdict = (ok: boolean): string => (ok ? 'MET' : 'MISSED');

function report(outcomes: Map<Scenario, Outcome>, loggedEvents: number): boolean {
  const rows = [['scenario', 'Tessera', 'ceiling', 'ratio', 'p50 / p99 ms Tessera', 'p50 / p99 ms ceiling', 'CPU µs/event Tessera', 'ceiling']];
  for (const [scenario, { tessera, ceiling }] of outcomes) {
    rows.push([
      scenario.name,
      `${fmt(rate(scenario, tessera))} ${scenario.unit}`,
      `${fmt(rate(scenario, ceiling))} ${scenario.unit}`,
      (rate(scenario, tessera) / rate(scenario, ceiling)).toFixed(2),
      ms(tessera),
      ms(ceiling),
      tessera.cpuUsPerEvent.toFixed(1),
      ceiling.cpuUsPerEvent.toFixed(1),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  phase(`results (${clients} keep-alive clients, ${durationS} s per scenario, ~${sampleEventBytes()} bytes per event)`);
  // Other work on the machine moves the rates (less so the CPU per event); say how busy it was.
  console.log(`   ${cpus().length} cores, load average over the last 5 minutes ${loadavg()[1]!.toFixed(1)}\n`);
  for (const row of rows) console.log(`   ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('   ')}`);

  console.log('\n   goals');
  for (const [scenario, { tessera, ceiling }] of outcomes) {
    if (scenario.path === '/v1/batch') {
      const met = rate(scenario, tessera) >= goalEventsPerSecond;
      console.log(`   - at least ${fmt(goalEventsPerSecond)} events/s durable through /v1/batch: ${verdict(met)}`);
    }
    const ratio = rate(scenario, tessera) / rate(scenario, ceiling);
    console.log(`   - at least ${goalRatio} of the ceiling on ${scenario.path}: ${verdict(ratio >= goalRatio)}`);
  }

  const runs = [...outcomes.values()];
  const acked = runs.reduce((n, o) => n + o.tessera.ackedEvents, 0);
  const accepted = runs.reduce((n, o) => n + o.tessera.accepted, 0);
  const duplicates = runs.reduce((n, o) => n + o.tessera.duplicates, 0);
  const durable = loggedEvents === acked && accepted === acked && duplicates === 0;
  console.log('\n   durability');
  console.log(`   - Tessera acknowledged ${fmt(acked)} events (accepted ${fmt(accepted)}, duplicates ${fmt(duplicates)}), warm-ups included`);
  console.log(`   - its log holds ${fmt(loggedEvents)} events after shutdown: ${durable ? 'MATCH' : 'MISMATCH'}`);
  console.log('\n   stages (downstream of the log, not part of the acknowledgement): lag when the load stopped, time to catch up');
  for (const [scenario, { stages }] of outcomes) {
    console.log(`   - after ${scenario.path}: ${describeStages(stages)}`);
  }
  return durable;
}

/** Average size of one serialized track call in the bodies sent. */
function sampleEventBytes(): number {
  const events = new EventSource('00000000', 0);
  const sample = Array.from({ length: 1000 }, () => events.single().length);
  return Math.round(sample.reduce((a, b) => a + b, 0) / sample.length);
}

if (!flags['skip-build']) {
  phase('building Tessera (npm run build)');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const profileDir = flags['cpu-prof'] ? await mkdtemp(join(tmpdir(), 'tessera-ingest-cpu-')) : undefined;
const { outcomes, loggedEvents } = await measure(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []);
process.exitCode = report(outcomes, loggedEvents) ? 0 : 1;
if (profileDir) {
  // Tessera has exited, so its profiles are written.
  for (const [scenario, { tessera }] of outcomes) {
    phase(`CPU profile of Tessera's threads over the measured ${durationS} s of ${scenario.name} (sampled wall time, not idle)`);
    for (const summary of await summarizeWindow(profileDir, root, tessera.window)) printSummary(summary);
  }
  await rm(profileDir, { recursive: true, force: true });
}
