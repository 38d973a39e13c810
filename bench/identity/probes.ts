/**
 * Ingest-to-profile latency: for each probe (an identify carrying a unique
 * trait value), the time from the acknowledgement of its batch until
 * `GET /api/v1/profiles?identifier=user_id:...` shows the value.
 *
 * The unify stage applies the log in order, so probes become visible roughly
 * in the order they were acknowledged: the watcher polls the oldest waiting
 * probe every `intervalMs` and, once one shows, the next few at once, which
 * keeps its own load on the server small whatever the backlog. A probe queued
 * behind one not yet visible is seen at most a round or two later.
 */
import type { Probe } from './messages.js';

interface Waiting {
  readonly probe: Probe;
  readonly ackedAt: number;
}

export class ProbeWatcher {
  readonly #url: string;
  readonly #token: string;
  readonly #parallel: number;
  readonly #intervalMs: number;
  readonly #waiting: Waiting[] = [];
  readonly #latencies: number[] = [];
  #polls = 0;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #failure: unknown;

  constructor(url: string, adminToken: string, options: { parallel?: number; intervalMs?: number } = {}) {
    this.#url = url;
    this.#token = adminToken;
    this.#parallel = options.parallel ?? 4;
    this.#intervalMs = options.intervalMs ?? 25;
  }

  acked(probe: Probe, at: number): void {
    this.#waiting.push({ probe, ackedAt: at });
    this.#loop ??= this.#run().catch((error: unknown) => {
      this.#failure = error;
    });
  }

  get seen(): number {
    return this.#latencies.length;
  }

  /** Waits until every acknowledged probe has been seen (or `timeoutMs` passed); returns the latencies in ms. */
  async finish(timeoutMs: number): Promise<{ latencies: number[]; unseen: number; polls: number }> {
    const deadline = performance.now() + timeoutMs;
    while (this.#waiting.length > 0 && this.#failure === undefined && performance.now() < deadline) await sleep(50);
    this.#stopping = true;
    await this.#loop;
    if (this.#failure !== undefined) throw this.#failure;
    return { latencies: [...this.#latencies], unseen: this.#waiting.length, polls: this.#polls };
  }

  async #run(): Promise<void> {
    let any = false;
    while (!this.#stopping) {
      const head = this.#waiting.slice(0, any ? this.#parallel : 1);
      if (head.length === 0) {
        await sleep(this.#intervalMs);
        continue;
      }
      const seen = await Promise.all(head.map((w) => this.#visible(w.probe)));
      const now = performance.now();
      any = false;
      for (const [i, w] of head.entries()) {
        if (!seen[i]) continue;
        any = true;
        this.#latencies.push(now - w.ackedAt);
        this.#waiting.splice(this.#waiting.indexOf(w), 1);
      }
      if (!any) await sleep(this.#intervalMs);
    }
  }

  async #visible(probe: Probe): Promise<boolean> {
    this.#polls++;
    const answer = await fetch(`${this.#url}/api/v1/profiles?identifier=${encodeURIComponent(`user_id:${probe.userId}`)}`, {
      headers: { authorization: `Bearer ${this.#token}` },
    });
    if (answer.status === 404) {
      await answer.body?.cancel();
      return false;
    }
    if (answer.status !== 200) throw new Error(`profile lookup answered ${answer.status}: ${await answer.text()}`);
    const { profiles } = (await answer.json()) as { profiles: { traits: Record<string, { value: unknown } | undefined> }[] };
    return profiles[0]?.traits[probe.trait]?.value === probe.value;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
