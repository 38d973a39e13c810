/**
 * Summarizes V8 CPU profiles (`node --cpu-prof`, one file per thread) into
 * the functions that take the time: by self time, and for the project's own
 * code by total time (self plus callees), each as a share of the busy time.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FunctionTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  /** Sampled time not idle, in ms. */
  readonly busyMs: number;
  readonly self: readonly FunctionTime[];
  /** Functions under `dist/` by self + callees (recursion counted once). */
  readonly total: readonly FunctionTime[];
}

const idle = new Set(['(idle)', '(program)']);

function label(node: ProfileNode, root: string): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === '' ? '' : ` ${url.replace(/^file:\/\//, '').replace(root, '')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
}

export function summarize(profile: CpuProfile, file: string, root: string, top: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  let busyUs = 0;
  const self = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    if (idle.has(node.callFrame.functionName)) continue;
    busyUs += us;
    const name = label(node, root);
    self.set(name, (self.get(name) ?? 0) + us);
  }

  // Totals: walk the tree with the labels on the current stack, so recursion counts once.
  const total = new Map<string, number>();
  const inclusive = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id)!;
    const name = label(node, root);
    const fresh = !onStack.has(name);
    if (fresh) onStack.add(name);
    let us = idle.has(node.callFrame.functionName) ? 0 : (selfUs.get(id) ?? 0);
    for (const child of node.children ?? []) us += inclusive(child, onStack);
    if (fresh) {
      onStack.delete(name);
      if (node.callFrame.url.includes('/dist/')) total.set(name, (total.get(name) ?? 0) + us);
    }
    return us;
  };
  const rootNode = profile.nodes[0];
  if (rootNode) inclusive(rootNode.id, new Set());

  const rank = (times: Map<string, number>): FunctionTime[] =>
    [...times.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs === 0 ? 0 : us / busyUs }));
  return { file, busyMs: busyUs / 1000, self: rank(self), total: rank(total) };
}

/** Every `.cpuprofile` in `dir`, busiest thread first. */
export async function summarizeDir(dir: string, root: string, top = 25): Promise<ProfileSummary[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const summaries = await Promise.all(
    files.map(async (f) => summarize(JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile, f, root, top)),
  );
  return summaries.sort((a, b) => b.busyMs - a.busyMs);
}

export function printSummary(summary: ProfileSummary): void {
  console.log(`   ${summary.file}: ${(summary.busyMs / 1000).toFixed(1)} s busy`);
  console.log('   self time:');
  for (const f of summary.self) console.log(`     ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}`);
  if (summary.total.length > 0) {
    console.log('   total time (self + callees), project code:');
    for (const f of summary.total) console.log(`     ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}`);
  }
}
