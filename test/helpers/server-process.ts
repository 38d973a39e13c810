/**
 * `tessera start` as a child process on a data dir of the test's, for the
 * tests that kill it with SIGKILL and start it again on the same data.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, spawnTessera, type TesseraProcess } from './cli-process.js';

export interface ServerProcess extends TesseraProcess {
  readonly url: string;
  readonly adminToken: string;
}

/** Starts servers and data dirs, and kills and removes them all at `cleanUp` (call it from afterEach or afterAll). */
export class ServerProcesses {
  readonly #running = new Set<ServerProcess>();
  readonly #dataDirs: string[] = [];
  readonly #adminToken: string;

  constructor(adminToken: string) {
    this.#adminToken = adminToken;
  }

  async dataDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.#dataDirs.push(dir);
    return dir;
  }

  /** Runs `tessera start` on `dataDir` (with `env` added) and waits until /readyz says ready. */
  async start(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
    const port = await freePort();
    const server: ServerProcess = {
      url: `http://127.0.0.1:${port}`,
      adminToken: this.#adminToken,
      ...spawnTessera(['start'], {
        PORT: String(port),
        HOST: '127.0.0.1',
        TESSERA_DATA_DIR: dataDir,
        TESSERA_ADMIN_TOKEN: this.#adminToken,
        TESSERA_LOG_LEVEL: 'warn',
        ...env,
      }),
    };
    this.#running.add(server);
    void server.exit.then(() => this.#running.delete(server));

    const ended = (): boolean => server.child.exitCode !== null || server.child.signalCode !== null;
    for (const deadline = Date.now() + 60_000; !ended() && Date.now() < deadline; await sleep(100)) {
      if (await fetch(`${server.url}/readyz`).then((r) => r.status === 200, () => false)) return server;
    }
    const { stdout, stderr } = server.output();
    throw new Error(`tessera did not become ready (${ended() ? 'it exited' : 'timed out'}):\n${stdout}\n${stderr}`);
  }

  async cleanUp(): Promise<void> {
    await Promise.all(
      [...this.#running].map((server) => {
        server.child.kill('SIGKILL');
        return server.exit;
      }),
    );
    await Promise.all(this.#dataDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** The error and fatal lines the server has logged (pino levels 50 and 60) so far. */
export const errorLogs = (server: TesseraProcess): string[] => server.output().stdout.split('\n').filter((line) => /"level":[56]0\b/.test(line));

/** Calls the management API; a non-2xx answer throws with its status and body. */
export async function adminApi<T>(server: ServerProcess, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminToken}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}
