import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running `tessera` command. */
export interface TesseraProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** How it ended; resolves once its output has been read to the end too. */
  readonly exit: Promise<Exit>;
  /** What it has written so far. */
  output(): { stdout: string; stderr: string };
}

/**
 * The parent's environment without the settings Tessera reads, so a developer's
 * own TESSERA_*, PORT or HOST cannot leak into a test, plus `env`.
 */
function isolatedEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('TESSERA_') && name !== 'PORT' && name !== 'HOST');
  return { ...Object.fromEntries(inherited), ...env };
}

/** Starts the `tessera` command from source: `node --import tsx src/cli/main.ts <args>`. */
export function spawnTessera(args: readonly string[], env: Record<string, string> = {}): TesseraProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repoRoot,
    env: isolatedEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // 'close' rather than 'exit': it comes once the output pipes are drained too.
  const exit = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { child, exit, output: () => ({ stdout, stderr }) };
}

/** Runs a `tessera` command to completion; kills it if it is still running after `timeoutMs`. */
export async function runTessera(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<Exit & { stdout: string; stderr: string }> {
  const running = spawnTessera(args, env);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
  const exit = await running.exit;
  clearTimeout(timer);
  return { ...exit, ...running.output() };
}

/** A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
