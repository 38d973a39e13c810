/**
 * Sends a fixed list of batches through /v1/batch with `clients` keep-alive
 * connections, each taking the next batch in order as soon as its previous
 * one is answered. A 429 (Tessera's backpressure) or a transport error is
 * retried with the same body, as the SDKs do; the (source, messageId)
 * deduplication keeps a retried message from being stored twice.
 */
import { Connection, type Answer } from '../ingest/connection.js';
import type { Batch } from './messages.js';
import type { SourceChannel } from './population.js';

export interface SendOptions {
  readonly url: string;
  readonly writeKeys: ReadonlyMap<SourceChannel, string>;
  readonly clients: number;
  readonly batches: readonly Batch[];
  /** Called as each batch is acknowledged, with `performance.now()`. */
  readonly onAck?: (batch: Batch, at: number) => void;
}

export interface SendResult {
  /** `performance.now()` when the first request went out, and when the last answer came. */
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly ackedEvents: number;
  /** Sums of the answers' fields. */
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  /** Retried answers by status ("error" for transport errors). */
  readonly retries: Record<string, number>;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const retryDelayMs = 100;

export async function send(options: SendOptions): Promise<SendResult> {
  const target = new URL(options.url);
  const heads = new Map<SourceChannel, string>();
  for (const [channel, key] of options.writeKeys) {
    heads.set(
      channel,
      `POST /v1/batch HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: application/json\r\n` +
        `authorization: Basic ${Buffer.from(`${key}:`).toString('base64')}\r\n`,
    );
  }
  const totals = { ackedEvents: 0, accepted: 0, duplicates: 0, rejected: 0 };
  const retries: Record<string, number> = {};
  const latencies: number[] = [];
  let next = 0;
  const startedAt = performance.now();
  let finishedAt = startedAt;

  const client = async (): Promise<void> => {
    const connection = new Connection(target.hostname, Number(target.port));
    try {
      for (let index = next++; index < options.batches.length; index = next++) {
        const batch = options.batches[index]!;
        const head = heads.get(batch.channel);
        if (head === undefined) throw new Error(`no write key for the ${batch.channel} source`);
        const body = batch.body();
        for (;;) {
          const sent = performance.now();
          let answer: Answer;
          try {
            answer = await connection.request(head, body);
          } catch (error) {
            retries.error = (retries.error ?? 0) + 1;
            if (retries.error === 1) console.error(`   send: ${(error as Error).message}; retrying`);
            await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
            continue;
          }
          const done = performance.now();
          if (answer.status === 429 || answer.status >= 500) {
            retries[answer.status] = (retries[answer.status] ?? 0) + 1;
            await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
            continue;
          }
          if (answer.status < 200 || answer.status > 299) throw new Error(`batch answered ${answer.status}: ${answer.body.slice(0, 500)}`);
          const counts = JSON.parse(answer.body) as { accepted?: number; duplicates?: number; rejected?: number };
          totals.ackedEvents += batch.events;
          totals.accepted += counts.accepted ?? 0;
          totals.duplicates += counts.duplicates ?? 0;
          totals.rejected += counts.rejected ?? 0;
          latencies.push(done - sent);
          finishedAt = Math.max(finishedAt, done);
          options.onAck?.(batch, done);
          break;
        }
      }
    } finally {
      connection.close();
    }
  };
  await Promise.all(Array.from({ length: options.clients }, () => client()));
  const sorted = Float64Array.from(latencies).sort();
  const percentile = (p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!);
  return { ...totals, startedAt, finishedAt, retries, p50Ms: percentile(0.5), p99Ms: percentile(0.99) };
}
