/**
 * The load generator, run as its own child process so it does not share an
 * event loop with the server it measures. `clients` keep-alive connections
 * each send one request, wait for the answer, and send the next, for
 * `warmupS + durationS` seconds; only answers that arrive within the measured
 * window count towards the rates and latencies, but every acknowledgement is
 * reported so the run can check them all against the log.
 */
import { Connection, type Answer } from './connection.js';
import { EventSource } from './events.js';

export interface LoadOptions {
  readonly url: string;
  readonly path: '/v1/batch' | '/v1/track';
  /** Events per request: the batch size on /v1/batch, 1 on /v1/track. */
  readonly eventsPerRequest: number;
  readonly writeKey: string;
  readonly clients: number;
  readonly warmupS: number;
  readonly durationS: number;
  /** Makes messageIds unique across the runs against one server. */
  readonly runId: string;
}

export interface LoadResult {
  /** 2xx answers and the events they carried, within the measured window. */
  readonly requests: number;
  readonly events: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Over the whole run, warm-up and stragglers included: what the server acknowledged. */
  readonly ackedEvents: number;
  /** Sums of the `accepted` and `duplicates` fields of the answers (Tessera only). */
  readonly accepted: number;
  readonly duplicates: number;
  /** Non-2xx answers by status, and transport errors as "error". */
  readonly failures: Record<string, number>;
  /** CPU the generator itself used, as a share of one core. */
  readonly clientCpu: number;
}

const percentile = (sorted: Float64Array, p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!);

async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const head =
    `POST ${options.path} HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: application/json\r\n` +
    `authorization: Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}\r\n`;
  const sentAt = new Date().toISOString();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const windowStart = start + options.warmupS * 1000;
  const windowEnd = windowStart + options.durationS * 1000;

  const latencies: number[] = [];
  const totals = { requests: 0, events: 0, ackedEvents: 0, accepted: 0, duplicates: 0 };
  const failures: Record<string, number> = {};

  const client = async (n: number): Promise<void> => {
    const events = new EventSource(options.runId, n);
    const connection = new Connection(target.hostname, Number(target.port));
    while (performance.now() < windowEnd) {
      const body = options.path === '/v1/batch' ? events.batch(options.eventsPerRequest, sentAt) : events.single();
      const sent = performance.now();
      let answer: Answer;
      try {
        answer = await connection.request(head, body);
      } catch (error) {
        failures.error = (failures.error ?? 0) + 1;
        if (failures.error === 1) console.error(`load: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      const done = performance.now();
      if (answer.status < 200 || answer.status > 299) {
        failures[answer.status] = (failures[answer.status] ?? 0) + 1;
        continue;
      }
      const counts = JSON.parse(answer.body) as { accepted?: number; duplicates?: number };
      totals.ackedEvents += options.eventsPerRequest;
      totals.accepted += counts.accepted ?? 0;
      totals.duplicates += counts.duplicates ?? 0;
      if (done >= windowStart && done <= windowEnd) {
        totals.requests += 1;
        totals.events += options.eventsPerRequest;
        latencies.push(done - sent);
      }
    }
    connection.close();
  };
  await Promise.all(Array.from({ length: options.clients }, (_, n) => client(n)));
  const cpu = process.cpuUsage(cpuBefore);

  const sorted = Float64Array.from(latencies).sort();
  return {
    ...totals,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    failures,
    clientCpu: (cpu.user + cpu.system) / 1000 / (performance.now() - start),
  };
}

// As a child process: options arrive as the first message, the result goes back the same way.
process.once('message', (options: LoadOptions) => {
  runLoad(options).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
