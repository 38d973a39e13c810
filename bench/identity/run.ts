/**
 * Identity benchmark: a retailer's event stream from synthetic people with
 * known ground truth, sent through Tessera's whole pipeline.
 *
 *   npm run bench:identity -- [--people 100000] [--events 1000000] [--clients 8]
 *                              [--probes 500] [--seed 1] [--steady-rates 300,1000] [--steady-seconds 20]
 *                              [--cpu-prof] [--keep-data] [--skip-build]
 *
 * Prints (1) events/s through the pipeline, from the first request until the
 * unify projection (identity graph and golden records) and the event store
 * have applied everything, beside the rate at which the same run's requests
 * were acknowledged (durable in the log: the ingest-only ceiling of this
 * stream); (2) ingest-to-profile latency of identify calls carrying a unique
 * trait, timed while the stream runs, then at sustained loads the stages can
 * follow (--steady-rates, see steady.ts); (3) the accuracy of the identity graph
 * against the ground truth, read from the state database after a clean stop.
 *
 * Tessera runs from `dist/` (built first unless --skip-build) on a fresh data
 * dir, as its own process; the load generator shares the machine's cores with
 * it. --cpu-prof writes a V8 profile of the server and prints its hot spots.
 * Everything is generated from the seed; no data files are read.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root } from '../ingest/children.js';
import { printSummary, summarizeDir } from '../shared/cpu-profile.js';
import { startTesseraServer, type TesseraServer } from '../shared/tessera-server.js';
import { readGraph, type StoredGraph } from './graph.js';
import { batches as cutBatches, type Batch } from './messages.js';
import { generatePopulation, Kind, sourceChannels, type Population, type SourceChannel } from './population.js';
import { ProbeWatcher } from './probes.js';
import { send, type SendResult } from './sender.js';
import { measureSteady, type SteadyResult } from './steady.js';
import { compare, groundTruth, referenceGraph, type Accuracy, type Truth } from './truth.js';

const { values: flags } = parseArgs({
  options: {
    people: { type: 'string', default: '100000' },
    events: { type: 'string', default: '1000000' },
    clients: { type: 'string', default: '8' },
    'batch-size': { type: 'string', default: '100' },
    probes: { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
    'cpu-prof': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    /** Sustained loads (messages/s) at which ingest-to-profile latency is measured after the stream; "" for none. */
    'steady-rates': { type: 'string', default: '300,1000' },
    'steady-seconds': { type: 'string', default: '20' },
    /** Leaves Tessera's data dir in place (its path is printed), to look into. */
    'keep-data': { type: 'boolean', default: false },
  },
});
const people = Number(flags.people);
const eventCount = Number(flags.events);
const clients = Number(flags.clients);
const batchSize = Number(flags['batch-size']);
const probeCount = Number(flags.probes);
const seed = Number(flags.seed);
const steadyRates = flags['steady-rates'] === '' ? [] : flags['steady-rates'].split(',').map(Number);
const steadySeconds = Number(flags['steady-seconds']);
if (!steadyRates.every((rate) => Number.isInteger(rate) && rate >= 100) || !(steadySeconds > 0)) {
  throw new Error('--steady-rates takes whole numbers of messages per second, at least 100 each (e.g. 300,1000), and --steady-seconds a number above 0');
}
for (const [name, value] of Object.entries({ people, events: eventCount, clients, 'batch-size': batchSize, seed })) {
  if (!Number.isInteger(value) || value < (name === 'seed' ? 0 : 1)) throw new Error(`--${name} must be a positive integer`);
}

const channelNames: Record<SourceChannel, string> = {
  web: 'Web shop',
  ios: 'iOS app',
  android: 'Android app',
  pos: 'Store tills',
  call_center: 'Call centre',
};
/** How long the projections may go without progress before the run stops waiting for them. */
const stallLimitMs = 120_000;

const phase = (text: string): void => console.log(`\n== ${text}`);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Prepared {
  readonly population: Population;
  readonly truth: Truth;
  readonly batches: readonly Batch[];
  readonly reference: Accuracy;
}

function prepare(): Prepared {
  phase(`generating ${fmt(eventCount)} events from ${fmt(people)} people (seed ${seed})`);
  let started = performance.now();
  const population = generatePopulation({ people, events: eventCount, seed, probes: probeCount });
  const truth = groundTruth(population);
  const kinds = new Map<string, number>();
  for (const event of population.events) {
    const kind = event.kind === Kind.View ? 'page/screen' : event.kind === Kind.Track || event.kind === Kind.Pos || event.kind === Kind.Call ? 'track' : 'identify';
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const mix = [...kinds.entries()].map(([kind, n]) => `${kind} ${((100 * n) / population.events.length).toFixed(1)}%`).join(', ');
  const households = population.people.filter((p) => p.housemate !== undefined).length;
  const phones = population.people.filter((p) => p.phone !== undefined).length;
  const devices = population.people.reduce((n, p) => n + p.devices.length, 0);
  console.log(`   ${mix}; ${fmt(truth.size)} distinct identifiers; ${fmt(devices)} devices; ${fmt(phones)} people with a phone;`);
  console.log(`   ${fmt(households)} people in ${fmt(households / 2)} two-person households sharing an email (${seconds(performance.now() - started)})`);

  phase('checking the ground truth against the linking rule applied to the stream in event-time order');
  started = performance.now();
  const reference = compare(truth, referenceGraph(population), people);
  console.log(
    `   the benchmark's own union-find: ${fmt(reference.profiles)} profiles, ${fmt(reference.overMerged)} over-merged, ${fmt(reference.underMerged)} under-merged` +
      `${reference.overMerged + reference.underMerged + reference.missing === 0 ? ': it gives exactly the ground truth' : ''} (${seconds(performance.now() - started)})`,
  );
  for (const example of reference.examples) console.log(`   - ${example}`);

  phase(`cutting the stream into ${batchSize}-event batches per source`);
  started = performance.now();
  const batches = cutBatches(population, batchSize);
  const sample = batches.slice(0, 200);
  const bytesPerEvent = sample.reduce((n, b) => n + b.body().length, 0) / sample.reduce((n, b) => n + b.events, 0);
  const bySource = sourceChannels.map((c) => `${c} ${fmt(batches.filter((b) => b.channel === c).length)}`).join(', ');
  console.log(`   ${fmt(batches.length)} batches (${bySource}), ~${fmt(bytesPerEvent)} bytes per event, serialized as sent (${seconds(performance.now() - started)})`);
  return { population, truth, batches, reference };
}

interface Pipeline {
  readonly send: SendResult;
  /** performance.now() when each projection had applied everything. */
  readonly appliedAt: Record<string, number>;
  /** Projections that stopped making progress, with their lag when the run gave up on them. */
  readonly stalled: Record<string, number>;
  readonly maxLag: Record<string, number>;
  readonly latencies: number[];
  readonly unseenProbes: number;
  readonly probePolls: number;
  readonly cpuSeconds: number;
}

async function runPipeline(tessera: TesseraServer, batches: readonly Batch[]): Promise<Pipeline> {
  phase('creating the sources through the admin API');
  const writeKeys = new Map<SourceChannel, string>();
  for (const channel of sourceChannels) writeKeys.set(channel, await tessera.createSource(channelNames[channel], channel));
  console.log(`   ${[...writeKeys.keys()].join(', ')}`);

  phase(`sending the stream through /v1/batch (${clients} keep-alive clients), timing probes while it runs`);
  const cpuBefore = tessera.cpuSeconds();
  const watcher = new ProbeWatcher(tessera.url, tessera.adminToken);
  let acked = 0;
  const maxLag: Record<string, number> = {};
  let sending = true;
  const started = performance.now();
  const monitor = (async () => {
    let lastPrint = started;
    while (sending) {
      await sleep(1000);
      const lags = await tessera.projectionLags();
      for (const [name, lag] of Object.entries(lags)) maxLag[name] = Math.max(maxLag[name] ?? 0, lag);
      if (performance.now() - lastPrint >= 5000) {
        lastPrint = performance.now();
        console.log(
          `   ${seconds(lastPrint - started).padStart(7)}: ${fmt(acked).padStart(9)} events acknowledged; lag ${Object.entries(lags)
            .map(([name, lag]) => `${name} ${fmt(lag)}`)
            .join(', ')}; ${watcher.seen} probes seen`,
        );
      }
    }
  })();
  const sent = await send({
    url: tessera.url,
    writeKeys,
    clients,
    batches,
    onAck: (batch, at) => {
      acked += batch.events;
      for (const probe of batch.probes) watcher.acked(probe, at);
    },
  });
  sending = false;
  await monitor;
  console.log(`   all ${fmt(sent.ackedEvents)} events acknowledged after ${seconds(sent.finishedAt - sent.startedAt)}`);

  phase('waiting for the projections (unify, event store...) to apply the whole log');
  const appliedAt: Record<string, number> = {};
  const stalled: Record<string, number> = {};
  const progress = new Map<string, { lag: number; at: number }>();
  let lastPrint = performance.now();
  for (;;) {
    const lags = await tessera.projectionLags();
    const now = performance.now();
    for (const [name, lag] of Object.entries(lags)) {
      if (lag === 0) appliedAt[name] ??= now;
      const seen = progress.get(name);
      if (seen === undefined || lag < seen.lag) progress.set(name, { lag, at: now });
      else if (lag > 0 && now - seen.at > stallLimitMs) stalled[name] = lag;
    }
    const waiting = Object.entries(lags).filter(([name, lag]) => lag > 0 && stalled[name] === undefined);
    if (Object.keys(lags).length > 0 && waiting.length === 0) break;
    if (now - lastPrint >= 5000) {
      lastPrint = now;
      console.log(`   ${seconds(now - started).padStart(7)}: lag ${Object.entries(lags).map(([name, lag]) => `${name} ${fmt(lag)}`).join(', ')}; ${watcher.seen} probes seen`);
    }
    await sleep(100);
  }
  const cpuSeconds = tessera.cpuSeconds() - cpuBefore;
  const probes = await watcher.finish(30_000);
  for (const [name, lag] of Object.entries(stalled)) {
    console.log(`   !! the ${name} projection made no progress for ${seconds(stallLimitMs)}; ${fmt(lag)} records not applied (see the server's log above)`);
  }
  return { send: sent, appliedAt, stalled, maxLag, latencies: probes.latencies, unseenProbes: probes.unseen, probePolls: probes.polls, cpuSeconds };
}

interface SteadyRun extends SteadyResult {
  readonly rate: number;
}

async function runSteady(tessera: TesseraServer, population: Population): Promise<SteadyRun[]> {
  const runs: SteadyRun[] = [];
  for (const rate of steadyRates) {
    phase(`ingest-to-profile latency at a sustained ${fmt(rate)} identify calls/s for ${steadySeconds} s (a /v1/batch every 10 ms), 20 probes/s`);
    const writeKey = await tessera.createSource(`Live traffic at ${rate}/s`, 'web');
    const result = await measureSteady({ url: tessera.url, adminToken: tessera.adminToken, writeKey, people: population.people, rate, seconds: steadySeconds, probesPerSecond: 20, seed });
    console.log(`   ${fmt(result.sent)} messages sent; ${result.latencies.length} probes seen${result.unseen > 0 ? `, ${result.unseen} never` : ''}`);
    runs.push({ rate, ...result });
  }
  return runs;
}

const pct = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

function report(prepared: Prepared, pipeline: Pipeline, steady: readonly SteadyRun[], graph: StoredGraph, accuracy: Accuracy): void {
  const { send: sent } = pipeline;
  const events = sent.ackedEvents;
  const ingestS = (sent.finishedAt - sent.startedAt) / 1000;
  const stalled = Object.keys(pipeline.stalled);
  const doneAt = Math.max(...Object.values(pipeline.appliedAt));
  const pipelineS = (doneAt - sent.startedAt) / 1000;
  const latencies = Float64Array.from(pipeline.latencies).sort();

  phase(`results: ${fmt(events)} events from ${fmt(people)} people, ${clients} clients, ${batchSize} events per request`);
  console.log('   (1) throughput');
  console.log(`   - ingest (all requests acknowledged, durable in the log): ${fmt(events / ingestS)} events/s (${ingestS.toFixed(1)} s)`);
  for (const [name, at] of Object.entries(pipeline.appliedAt)) {
    console.log(`   - ${name} projection applied everything after ${((at - sent.startedAt) / 1000).toFixed(1)} s: ${fmt(events / ((at - sent.startedAt) / 1000))} events/s`);
  }
  if (stalled.length > 0) {
    console.log(`   - whole pipeline: NOT MEASURED, ${stalled.join(', ')} stopped making progress (${stalled.map((n) => `${fmt(pipeline.stalled[n] ?? 0)} records behind`).join(', ')})`);
  } else {
    console.log(`   - whole pipeline (every projection caught up): ${fmt(events / pipelineS)} events/s (${pipelineS.toFixed(1)} s), ${(ingestS / pipelineS).toFixed(2)} of the ingest rate`);
  }
  console.log(`   - largest projection lag while sending: ${Object.entries(pipeline.maxLag).map(([n, l]) => `${n} ${fmt(l)}`).join(', ')} records`);
  console.log(`   - server CPU: ${((pipeline.cpuSeconds * 1e6) / events).toFixed(0)} µs per event (${pipeline.cpuSeconds.toFixed(1)} s over ${pipelineS.toFixed(1)} s)`);
  const retried = Object.entries(sent.retries).map(([status, n]) => `${fmt(n)} x ${status}`);
  console.log(`   - requests: p50 ${sent.p50Ms.toFixed(0)} ms, p99 ${sent.p99Ms.toFixed(0)} ms; retried: ${retried.length > 0 ? retried.join(', ') : 'none'}`);
  console.log(`   - accepted ${fmt(sent.accepted)}, duplicates ${fmt(sent.duplicates)}, rejected ${fmt(sent.rejected)}`);

  console.log('   (2) ingest-to-profile latency (acknowledged -> visible in GET /api/v1/profiles?identifier=user_id:...)');
  console.log(
    `   - ${latencies.length} probes: p50 ${fmt(pct(latencies, 0.5))} ms, p90 ${fmt(pct(latencies, 0.9))} ms, p99 ${fmt(pct(latencies, 0.99))} ms,` +
      ` max ${fmt(latencies.at(-1) ?? NaN)} ms${pipeline.unseenProbes > 0 ? `; ${pipeline.unseenProbes} never seen` : ''} (${fmt(pipeline.probePolls)} lookups)`,
  );

  for (const run of steady) {
    const seen = Float64Array.from(run.latencies).sort();
    const acks = Float64Array.from(run.acks).sort();
    console.log(
      `   - at a sustained ${fmt(run.rate)} messages/s, ${seen.length} probes: p50 ${fmt(pct(seen, 0.5))} ms, p99 ${fmt(pct(seen, 0.99))} ms,` +
        ` max ${fmt(seen.at(-1) ?? NaN)} ms${run.unseen > 0 ? `; ${run.unseen} never seen` : ''}; acknowledgements p50 ${pct(acks, 0.5).toFixed(1)} ms, p99 ${pct(acks, 0.99).toFixed(1)} ms` +
        ` (goal p99 within 100 ms: ${run.unseen === 0 && pct(seen, 0.99) <= 100 ? 'MET' : 'MISSED'})`,
    );
  }

  console.log('   (3) identity graph vs ground truth (goal: zero over- and zero under-merged)');
  console.log(`   - people ${fmt(accuracy.people)}, profiles holding their identifiers ${fmt(accuracy.profiles)} (live profiles in the store ${fmt(graph.liveProfiles)}, merged away ${fmt(graph.mergedProfiles)})`);
  console.log(`   - over-merged profiles (identifiers of 2+ people): ${fmt(accuracy.overMerged)}`);
  console.log(`   - under-merged people (identifiers over 2+ profiles): ${fmt(accuracy.underMerged)}`);
  console.log(`   - identifiers missing from the graph ${fmt(accuracy.missing)}, unknown to the truth ${fmt(accuracy.unexpected)}`);
  console.log(`   - conflicts recorded ${fmt(graph.conflicts)}; history: ${fmt(graph.merges)} merges, ${fmt(graph.splits)} splits`);
  for (const example of accuracy.examples) console.log(`   - ${example}`);
  const ok = accuracy.overMerged === 0 && accuracy.underMerged === 0 && accuracy.missing === 0 && accuracy.unexpected === 0;
  console.log(`   - goal: ${ok ? 'MET' : 'MISSED'}${prepared.reference.overMerged + prepared.reference.underMerged > 0 ? ' (but the reference rule itself disagrees with the truth: see above)' : ''}`);
}

if (!flags['skip-build']) {
  phase('building Tessera (npm run build)');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const prepared = prepare();
const profileDir = flags['cpu-prof'] ? await mkdtemp(join(tmpdir(), 'tessera-cpu-')) : undefined;
phase(`starting Tessera (node ${profileDir ? `--cpu-prof ` : ''}dist/cli/main.js start, fresh data dir)`);
const tessera = await startTesseraServer({
  dataDirPrefix: 'tessera-identity-bench-',
  ...(profileDir && { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] }),
});
console.log(`   pid ${tessera.pid}, data dir ${tessera.dataDir}`);
try {
  const pipeline = await runPipeline(tessera, prepared.batches);
  const steady = await runSteady(tessera, prepared.population);
  phase('stopping Tessera, then reading its identity graph');
  await tessera.stop();
  // Something else on the machine deleting temp dirs would leave the server writing to unlinked files.
  if (!existsSync(join(tessera.dataDir, 'state.db'))) throw new Error(`${tessera.dataDir} was deleted while Tessera ran: this run's figures are not to be trusted`);
  const graph = readGraph(tessera.dataDir);
  const accuracy = compare(prepared.truth, graph.profileOf, people);
  report(prepared, pipeline, steady, graph, accuracy);
  if (profileDir) {
    phase(`CPU profile of the server (${profileDir})`);
    for (const summary of await summarizeDir(profileDir, root)) printSummary(summary);
  }
} finally {
  if (flags['keep-data']) {
    await tessera.stop();
    console.log(`\n   data dir kept: ${tessera.dataDir}`);
  } else {
    await tessera.remove();
  }
}
