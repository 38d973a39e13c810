import type { Worker } from 'node:worker_threads';
import { siblingModule, startWorker } from '../../lib/worker.js';
import type { WalCheckpointerData } from './wal-checkpointer.js';

/**
 * The main-thread handle on a file's checkpointer thread (wal-checkpointer.ts).
 * The thread never keeps the process alive; closing it waits for it to exit,
 * so the owner's connection, closed last, checkpoints whatever is left.
 */
export class WalCheckpointerThread {
  readonly #worker: Worker;
  readonly #exited: Promise<unknown>;

  constructor(path: string, everyMs: number) {
    const data: WalCheckpointerData = { path, everyMs };
    this.#worker = startWorker(siblingModule(import.meta.url, 'wal-checkpointer'), data);
    this.#worker.unref();
    this.#exited = new Promise((resolve) => this.#worker.once('exit', resolve));
    // Without it the owner still checkpoints, in its commits: slower, never wrong.
    this.#worker.on('error', () => undefined);
  }

  async close(): Promise<void> {
    // Referenced while it closes, or a process with nothing else to do would exit before close resolves.
    this.#worker.ref();
    this.#worker.postMessage('close');
    await this.#exited;
  }
}
