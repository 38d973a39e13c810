import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running `moduleUrl`. Built code runs the `.js` file
 * directly. From TypeScript sources (tests, `npm run dev`) the worker loads
 * the `.ts` file through tsx, a development dependency, because worker threads
 * do not inherit the loader the main thread was started with.
 */
export function startWorker(moduleUrl: URL, workerData: unknown): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, { workerData });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const module = JSON.stringify(moduleUrl.href);
  return new Worker(`import(${tsx}).then((tsx) => tsx.tsImport(${module}, ${module}))`, { eval: true, workerData });
}

/** `./name.js` next to the calling module, or `./name.ts` when the caller runs from TypeScript sources. */
export function siblingModule(callerUrl: string, name: string): URL {
  return new URL(`./${name}${new URL(callerUrl).pathname.endsWith('.ts') ? '.ts' : '.js'}`, callerUrl);
}
