/**
 * A built Tessera (`node dist/cli/main.js start`) as a benchmark's child
 * process, on a fresh data dir that outlives the process so its stores can
 * be inspected after a clean stop. The ingest benchmark's `targets.ts` starts
 * Tessera the same way with one fixed source; this one takes node flags (a
 * CPU profile) and creates whatever sources the benchmark needs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds, freePort, startNode, stop, waitFor } from '../ingest/children.js';

export interface TesseraServerOptions {
  /** Start of the data dir's name under the OS temp dir; one per benchmark, so none cleans up another's. */
  readonly dataDirPrefix?: string;
  /** Flags for node before the script, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface TesseraServer {
  readonly url: string;
  readonly adminToken: string;
  readonly dataDir: string;
  /** The server's process id. */
  readonly pid: number;
  /** CPU time the server process has used so far, all threads. */
  cpuSeconds(): number;
  /** Creates a source through the admin API and returns its write key. */
  createSource(name: string, channel: string): Promise<string>;
  /** `tessera_projection_lag_records` from /metrics, by projection name. */
  projectionLags(): Promise<Record<string, number>>;
  /** SIGTERM, then waits for the exit (Tessera flushes and closes its stores); the data dir stays. */
  stop(): Promise<void>;
  /** Stops if needed and deletes the data dir. */
  remove(): Promise<void>;
}

export async function startTesseraServer(options: TesseraServerOptions = {}): Promise<TesseraServer> {
  const dataDir = await mkdtemp(join(tmpdir(), options.dataDirPrefix ?? 'tessera-bench-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const adminToken = randomBytes(24).toString('hex');
  const child = startNode([...(options.nodeArgs ?? []), 'dist/cli/main.js', 'start'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    TESSERA_DATA_DIR: dataDir,
    TESSERA_ADMIN_TOKEN: adminToken,
    TESSERA_LOG_LEVEL: 'warn',
    ...options.env,
  });
  const server: TesseraServer = {
    url,
    adminToken,
    dataDir,
    pid: child.pid!,
    cpuSeconds: () => cpuSeconds(child.pid!),
    async createSource(name, channel) {
      const created = await fetch(`${url}/api/v1/sources`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, channel }),
      });
      if (created.status !== 201) throw new Error(`creating the source ${name} failed: ${created.status} ${await created.text()}`);
      return ((await created.json()) as { writeKey: string }).writeKey;
    },
    async projectionLags() {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const lags: Record<string, number> = {};
      for (const match of metrics.matchAll(/^tessera_projection_lag_records\{projection="([^"]+)"\} (\d+)/gm)) lags[match[1]!] = Number(match[2]);
      return lags;
    },
    stop: () => stop(child),
    async remove() {
      await stop(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(`${url}/readyz`, 200);
    return server;
  } catch (error) {
    await server.remove();
    throw error;
  }
}
