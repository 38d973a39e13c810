/** Starting, reaching and stopping the benchmark's child processes. */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { LoadOptions, LoadResult } from './load.js';

export const root = new URL('../../', import.meta.url).pathname;
const benchDir = new URL('./', import.meta.url).pathname;

/** A port that was free a moment ago; the servers are told which one to use. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Starts `node <args>` from the repository root; its output goes to ours so failures are visible. */
export function startNode(args: readonly string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') console.error(`child ${args.join(' ')} exited with ${code ?? signal}`);
  });
  return child;
}

const ticksPerSecond = 100;

/**
 * CPU time a process (all its threads) has used so far, from /proc (Linux).
 * Unlike a rate, CPU per event barely moves when other work shares the machine.
 */
export function cpuSeconds(pid: number): number {
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the whole line.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Polls `url` until it answers `status`, or fails after `timeoutMs`. */
export async function waitFor(url: string, status: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).status === status) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Stops a child with SIGTERM and waits until it has exited (Tessera flushes and closes its stores). */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** Runs the load generator in its own process and returns its figures. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const child = fork(`${benchDir}load.ts`, { cwd: root, execArgv: ['--import', 'tsx'] });
  let result: LoadResult | undefined;
  child.once('message', (message: LoadResult) => (result = message));
  child.send(options);
  const [code] = (await once(child, 'exit')) as [number | null];
  if (result === undefined) throw new Error(`the load generator exited with ${String(code)} before reporting`);
  return result;
}
