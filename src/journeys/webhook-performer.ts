import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { JourneyStore, PendingWebhook, WebhookOutcome } from '../store/index.js';
import type { JourneyStage } from './journey-stage.js';

export interface WebhookPerformerOptions {
  readonly store: Pick<JourneyStore, 'dueWebhooks' | 'scheduleWebhook'>;
  readonly stage: Pick<JourneyStage, 'settleWebhook'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Calls made at once. */
  readonly concurrency?: number;
  /** How long to rest when nothing is due (a commit that queues a call wakes it sooner). */
  readonly idleMs?: number;
}

/** An attempt in flight for longer than its timeout plus this is taken as interrupted (the process died) and made again. */
const leaseMarginMs = 30_000;
const firstBackoffMs = 1_000;
const maxBackoffMs = 5 * 60_000;
/** The answer's body kept for branching and history. */
const maxBodyChars = 64 * 1024;

/** Statuses worth asking again: the receiver may answer differently in a moment. */
const transientStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

type Attempt = { readonly kind: 'response'; readonly status: number; readonly body: unknown; readonly retryAfterMs: number | null } | { readonly kind: 'failure'; readonly error: string };

function parseBody(text: string): unknown {
  const kept = text.slice(0, maxBodyChars);
  try {
    return JSON.parse(kept) as unknown;
  } catch {
    return kept;
  }
}

/** Retry-After in seconds (the form receivers use); a date or nonsense gives nothing. */
function retryAfterMs(header: string | null): number | null {
  const seconds = header === null ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

async function attempt(call: PendingWebhook): Promise<Attempt> {
  const { method, url, headers, body, timeoutMs } = call.request;
  try {
    const response = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', 'user-agent': 'Tessera-Journeys', 'idempotency-key': call.idempotencyKey, ...headers },
      ...(body !== null && { body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { kind: 'response', status: response.status, body: parseBody(await response.text()), retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    return { kind: 'failure', error: reason };
  }
}

/**
 * Performs the webhook calls journeys decide. Each call is a row of the
 * journey outbox named by its idempotency key (instance, step, visit); the
 * performer takes the due ones, and before each attempt durably records it
 * and a lease, then calls with an Idempotency-Key header. A transient failure
 * (no answer, 408, 429, 5xx) is retried with exponential backoff, up to the
 * step's retries; the outcome is stored with the instance's move in one
 * transaction, so it is taken once.
 *
 * Crash semantics: the receiver sees each call at least once. A crash after
 * an attempt began and before its outcome was stored makes the call again
 * once the lease runs out, with the same Idempotency-Key, which a receiver
 * uses to ignore the repeat. Tessera's side of it (history, branch taken)
 * happens exactly once.
 */
export class WebhookPerformer {
  readonly #o: WebhookPerformerOptions;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(options: WebhookPerformerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#stopping = false;
    this.#loop ??= this.#run();
  }

  /** Calls were queued: look now. */
  notify(): void {
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
  }

  /** Makes one attempt of each due call (up to the concurrency); returns how many. */
  async runDue(): Promise<number> {
    const due = await this.#o.store.dueWebhooks(this.#o.clock.now(), this.#o.concurrency ?? 8);
    await Promise.all(due.map((call) => this.#perform(call)));
    return due.length;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      try {
        if ((await this.runDue()) > 0) continue;
      } catch (error) {
        this.#o.logger.error({ err: error }, 'webhook calls failed; retrying');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#o.idleMs ?? 250);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  async #perform(call: PendingWebhook): Promise<void> {
    const { request } = call;
    if (request.renderError !== null) {
      await this.#o.stage.settleWebhook(call, { kind: 'failure', error: `the template could not be rendered: ${request.renderError}`, attempts: 0 });
      return;
    }
    const attempts = call.attempts + 1;
    await this.#o.store.scheduleWebhook(call.idempotencyKey, attempts, this.#o.clock.now() + request.timeoutMs + leaseMarginMs, null);
    const result = await attempt(call);
    const transient = result.kind === 'failure' || transientStatus(result.status);
    if (transient && attempts <= request.retries) {
      const backoff = Math.min(maxBackoffMs, firstBackoffMs * 2 ** (attempts - 1));
      const wait = result.kind === 'response' && result.retryAfterMs !== null ? Math.min(maxBackoffMs, Math.max(backoff, result.retryAfterMs)) : backoff;
      const error = result.kind === 'failure' ? result.error : `answered ${result.status}`;
      await this.#o.store.scheduleWebhook(call.idempotencyKey, attempts, this.#o.clock.now() + wait, error);
      return;
    }
    const outcome: WebhookOutcome =
      result.kind === 'failure' ? { kind: 'failure', error: result.error, attempts } : { kind: 'response', status: result.status, body: result.body, attempts };
    await this.#o.stage.settleWebhook(call, outcome);
  }
}
