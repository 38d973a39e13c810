/**
 * Ingest-to-profile latency under a sustained load the stages can follow,
 * as a brand's live traffic is (the stream before it is a backfill sent as
 * fast as ingest takes it). Known people send identify calls at `rate`
 * messages a second, in a /v1/batch every 10 ms; `probesPerSecond` of them
 * carry a unique probe trait, watched as in the stream (ProbeWatcher).
 */
import { performance } from 'node:perf_hooks';
import { Random } from '../shared/random.js';
import { probeTrait, type Probe } from './messages.js';
import type { Person } from './population.js';
import { ProbeWatcher } from './probes.js';

export interface SteadyOptions {
  readonly url: string;
  readonly adminToken: string;
  readonly writeKey: string;
  readonly people: readonly Person[];
  readonly rate: number;
  readonly seconds: number;
  readonly probesPerSecond: number;
  readonly seed: number;
}

export interface SteadyResult {
  readonly sent: number;
  readonly latencies: number[];
  readonly unseen: number;
  /** Acknowledgement round trips of the batches, in ms. */
  readonly acks: number[];
}

const tickMs = 10;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureSteady(o: SteadyOptions): Promise<SteadyResult> {
  const rng = new Random(o.seed * 31 + 7);
  // Salted per run, so that messages and probe values never repeat an earlier run's.
  const runId = `${Date.now().toString(36)}-${rng.hex(4)}`;
  const watcher = new ProbeWatcher(o.url, o.adminToken, { intervalMs: 2 });
  const auth = `Basic ${Buffer.from(`${o.writeKey}:`).toString('base64')}`;
  const acks: number[] = [];
  const inFlight: Promise<void>[] = [];
  const ticks = Math.round((o.seconds * 1000) / tickMs);
  const perTick = o.rate / (1000 / tickMs);
  const probeEvery = Math.max(1, Math.round(1000 / o.probesPerSecond / tickMs));
  let owed = 0;
  let sent = 0;
  const started = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    owed += perTick;
    const count = Math.floor(owed);
    owed -= count;
    const probes: Probe[] = [];
    const batch = Array.from({ length: count }, (_, i) => {
      const person = o.people[rng.int(0, o.people.length - 1)]!;
      const messageId = `steady-${runId}-${sent + i}`;
      if (i === 0 && tick % probeEvery === 0) {
        const probe: Probe = { userId: person.userId, trait: probeTrait, value: `steady-probe-${runId}-${tick}` };
        probes.push(probe);
        return { type: 'identify', messageId, userId: person.userId, traits: { [probeTrait]: probe.value } };
      }
      return { type: 'identify', messageId, userId: person.userId, traits: { last_steady_visit: tick } };
    });
    sent += count;
    if (count > 0) {
      const at = performance.now();
      inFlight.push(
        fetch(`${o.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) }).then(
          async (answer) => {
            const body = await answer.text();
            if (!answer.ok) throw new Error(`steady batch answered ${answer.status}: ${body.slice(0, 300)}`);
            const done = performance.now();
            acks.push(done - at);
            for (const probe of probes) watcher.acked(probe, done);
          },
        ),
      );
    }
    await sleep(Math.max(0, started + (tick + 1) * tickMs - performance.now()));
  }
  await Promise.all(inFlight);
  const { latencies, unseen } = await watcher.finish(60_000);
  return { sent, latencies, unseen, acks };
}
