import type { Logger } from '../lib/logger.js';
import type { EventLog, OutboxEntry } from '../store/index.js';

/** Where the relay takes messages from: a stage's outbox, written in the same transaction as its effects. */
export interface Outbox {
  outbox(limit: number): Promise<OutboxEntry[]>;
  clearOutbox(ids: readonly number[]): Promise<void>;
}

/**
 * Moves messages a stage wrote to its outbox into the log. Appends carry the
 * same dedupe key as any message (source and messageId), so a crash between
 * the append and the clear appends nothing twice when the relay starts over.
 */
export class OutboxRelay {
  readonly #outbox: Outbox;
  readonly #log: EventLog;
  readonly #logger: Logger;
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #stopping = false;

  constructor(outbox: Outbox, log: EventLog, logger: Logger) {
    this.#outbox = outbox;
    this.#log = log;
    this.#logger = logger.child({ relay: 'outbox' });
  }

  /** Says there may be new entries, so the relay does not wait for its next round. */
  notify(): void {
    this.#wake?.();
  }

  start(idleWaitMs = 1_000): void {
    this.#running ??= this.#loop(idleWaitMs);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#running;
  }

  /** Relays everything waiting now; returns how many messages. */
  async drain(): Promise<number> {
    let moved = 0;
    for (;;) {
      const entries = await this.#outbox.outbox(500);
      if (entries.length === 0) return moved;
      await this.#log.append(
        entries.map(({ message }) => ({
          partitionKey: message.userId ?? message.anonymousId ?? message.messageId,
          dedupeKey: `${message.sourceId}:${message.messageId}`,
          message,
        })),
      );
      await this.#outbox.clearOutbox(entries.map((e) => e.id));
      moved += entries.length;
    }
  }

  async #loop(idleWaitMs: number): Promise<void> {
    while (!this.#stopping) {
      try {
        if ((await this.drain()) > 0) continue;
      } catch (error) {
        this.#logger.error({ err: error }, 'relaying the outbox to the log failed; retrying');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idleWaitMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}
