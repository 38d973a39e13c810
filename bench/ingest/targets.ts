/** The two servers the benchmark drives: the bare-Fastify ceiling and a real Tessera. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cpuSeconds, freePort, startNode, stop, waitFor } from './children.js';

export interface Target {
  readonly url: string;
  readonly writeKey: string;
  /** CPU time the server process has used so far, all threads. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export interface TesseraTarget extends Target {
  /** Log records not yet applied, by stage (unify, event-store, segments...). */
  projectionLags(): Promise<Record<string, number>>;
  /** Stops Tessera (it flushes and closes its stores) and counts the records in its log file. */
  stopAndCountLog(): Promise<number>;
}

export async function startCeiling(): Promise<Target> {
  const port = await freePort();
  const server = startNode(['--import', 'tsx', 'bench/ingest/ceiling-server.ts'], { PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/`, 404);
  return { url, writeKey: 'unused', cpuSeconds: () => cpuSeconds(server.pid!), stop: () => stop(server) };
}

/**
 * Starts the built Tessera (`node dist/cli/main.js start`) on a fresh data dir and creates a source.
 * `nodeArgs` go before the script, e.g. `--cpu-prof`.
 */
export async function startTessera(nodeArgs: readonly string[] = []): Promise<TesseraTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-bench-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const adminToken = randomBytes(24).toString('hex');
  const server = startNode([...nodeArgs, 'dist/cli/main.js', 'start'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    TESSERA_DATA_DIR: dataDir,
    TESSERA_ADMIN_TOKEN: adminToken,
    TESSERA_LOG_LEVEL: 'warn',
  });
  const stopAndClean = async (): Promise<void> => {
    await stop(server);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitFor(`${url}/readyz`, 200);
    const created = await fetch(`${url}/api/v1/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ingest benchmark', channel: 'web' }),
    });
    if (created.status !== 201) throw new Error(`creating the source failed: ${created.status} ${await created.text()}`);
    const { writeKey } = (await created.json()) as { writeKey: string };
    return {
      url,
      writeKey,
      cpuSeconds: () => cpuSeconds(server.pid!),
      stop: stopAndClean,
      async projectionLags() {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        // One gauge per projection, labelled by name.
        const lags = [...metrics.matchAll(/^tessera_projection_lag_records\{projection="([^"]+)"\} (\d+)/gm)];
        return Object.fromEntries(lags.map((match) => [match[1]!, Number(match[2])]));
      },
      async stopAndCountLog() {
        await stop(server);
        const log = new Database(join(dataDir, 'log.db'), { readonly: true });
        try {
          return log.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM log').get()!.n;
        } finally {
          log.close();
          await stopAndClean();
        }
      },
    };
  } catch (error) {
    await stopAndClean();
    throw error;
  }
}
