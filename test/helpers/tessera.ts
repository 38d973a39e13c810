import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Source } from '../../src/contracts/index.js';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import { silentLogger, type Logger } from '../../src/lib/logger.js';
import { loadConfig, type Config } from '../../src/server/config.js';
import { startTessera, type RunningTessera } from '../../src/server/runtime.js';

export const adminToken = 'test-admin-token-0123456789';

/**
 * A response body as the tests read it: asserted field by field against
 * literal values, where spelling out every response type would add noise and
 * catch nothing the assertions do not.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = any;

export interface TestTessera {
  readonly running: RunningTessera;
  readonly url: string;
  readonly dataDir: string;
  /** Calls the management API with the admin token. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }>;
  /** Creates a source and returns it (with its write key). */
  createSource(name?: string, channel?: string, extra?: Record<string, unknown>): Promise<Source>;
  /** Sends one tracking call with the write key as HTTP Basic username. */
  track(path: string, writeKey: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: JsonBody; headers: Headers }>;
  /** Waits until the event store has applied everything in the log. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a real Tessera (embedded stores in a fresh temp dir, random port) inside the test process. */
export async function startTestTessera(options: { clock?: Clock; config?: Partial<Config>; dataDir?: string; logger?: Logger } = {}): Promise<TestTessera> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'tessera-test-')));
  const loaded = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir, adminToken, logLevel: 'silent', ...options.config });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  const running = await startTessera(loaded.value, options.logger ?? silentLogger, options.clock ?? systemClock);
  await running.ready;
  const url = running.url;

  const request = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON (e.g. /metrics); keep the text
    }
    return { status: response.status, body: parsed as JsonBody, headers: response.headers };
  };

  const tessera: TestTessera = {
    running,
    url,
    dataDir,
    api: (method, path, body) => request(method, `/api/v1${path}`, { authorization: `Bearer ${adminToken}` }, body),
    async createSource(name = 'Test source', channel = 'web', extra = {}) {
      const created = await tessera.api<Source>('POST', '/sources', { name, channel, ...extra });
      if (created.status !== 201) throw new Error(`source creation failed: ${JSON.stringify(created.body)}`);
      return created.body;
    },
    track: (path, writeKey, body, headers = {}) =>
      request('POST', path, { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, ...headers }, body),
    async settled() {
      for (let i = 0; i < 1000; i++) {
        if ((await running.lag()) === 0) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('the event store did not catch up with the log');
    },
    async stop() {
      await running.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return tessera;
}
