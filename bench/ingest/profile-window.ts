/**
 * The server's CPU profiles (`node --cpu-prof`, one file per thread) cut down
 * to the measured windows, so that start-up, warm-up and the stages' catch-up
 * afterwards do not blur where the time of acknowledged ingest goes.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { summarize, type ProfileSummary } from '../shared/cpu-profile.js';

/** A span of the monotonic clock in µs: V8 stamps profile samples with it, as process.hrtime does. */
export interface Window {
  readonly fromUs: number;
  readonly toUs: number;
}

export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

interface RawProfile {
  readonly nodes: Parameters<typeof summarize>[0]['nodes'];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Every thread's profile in `dir`, keeping only the samples taken inside `window`; busiest thread first. */
export async function summarizeWindow(dir: string, root: string, window: Window, top = 25): Promise<ProfileSummary[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const summaries = await Promise.all(
    files.map(async (file) => {
      const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as RawProfile;
      const samples: number[] = [];
      const timeDeltas: number[] = [];
      let at = profile.startTime;
      profile.samples.forEach((id, i) => {
        at += profile.timeDeltas[i] ?? 0;
        if (at >= window.fromUs && at <= window.toUs) {
          samples.push(id);
          timeDeltas.push(profile.timeDeltas[i] ?? 0);
        }
      });
      return summarize({ nodes: profile.nodes, samples, timeDeltas }, file, root, top);
    }),
  );
  return summaries.sort((a, b) => b.busyMs - a.busyMs);
}
