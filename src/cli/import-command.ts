/**
 * `tessera import <file>`: sends a file to a running Tessera through the
 * imports API, showing progress, and survives being interrupted.
 *
 * Resuming: a small state file (beside the input, or at --state) records the
 * import id and the last line the server acknowledged as durable. Run again
 * with the same file, mapping and source, the command continues that import
 * from the server's acknowledged offset, sending only the rest of the file.
 * Rows sent twice would be harmless anyway: their messageIds come from the
 * file's content hash and their line.
 *
 * Rejected rows are fetched as the server reports them and appended to the
 * rejects file (line, reason, the row's text); the state file records how
 * much of it is written, so a resumed run neither loses nor repeats any.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import cliProgress from 'cli-progress';
import { importFormats, type Import, type ImportFormat, type ImportRejectsPage, type Source } from '../contracts/index.js';
import { formatCsvRecord } from '../lib/csv.js';
import { CliError, callApi, streamToApi, type ApiTarget } from './api-client.js';

export interface ImportFlags {
  readonly source: string;
  readonly mapping: string;
  readonly format?: string;
  readonly state?: string;
  readonly rejects?: string;
  /** False with --no-progress. */
  readonly progress: boolean;
  /** False with --no-resume: start a new import even when a state file says one was interrupted. */
  readonly resume: boolean;
  /** Seconds to wait for the profile counts once the rows are in. */
  readonly wait: number;
  readonly json?: boolean;
}

interface Output {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** What the state file holds; written after every acknowledged step. */
interface ImportState {
  readonly version: 1;
  readonly importId: string;
  readonly url: string;
  readonly sourceId: string;
  readonly fileKey: string;
  readonly mappingDigest: string;
  readonly format: ImportFormat;
  /** The last line the server acknowledged, and the byte offset after it. */
  readonly acknowledged: { readonly line: number; readonly offset: number };
  /** The rejects file: rejects of lines up to `line` are written, in its first `bytes` bytes. */
  readonly rejects: { readonly path: string; readonly line: number; readonly bytes: number };
}

const extensions: Record<string, ImportFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.ndjson': 'ndjson', '.jsonl': 'ndjson', '.json': 'json' };
const contentTypes: Record<ImportFormat, string> = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  ndjson: 'application/x-ndjson',
  json: 'application/json',
};
const rejectsHeader = formatCsvRecord(['line', 'reason', 'record']);
const pollMs = 250;
const uploadAttempts = 5;

export function formatOf(file: string, flag: string | undefined): ImportFormat {
  if (flag !== undefined) {
    if (!(importFormats as readonly string[]).includes(flag)) throw new CliError(`--format ${flag} is not one of ${importFormats.join(', ')}`);
    return flag as ImportFormat;
  }
  const format = extensions[extname(file).toLowerCase()];
  if (format === undefined) throw new CliError(`cannot tell the format of ${file} from its extension; pass --format ${importFormats.join('|')}`);
  return format;
}

async function readMapping(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the mapping ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`the mapping ${path} is not JSON: ${(error as Error).message}`);
  }
}

/** The file's content hash: the same content gets the same messageIds, whatever its name or path. */
async function fileKeyOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256-${hash.digest('hex').slice(0, 40)}`;
}

async function resolveSource(target: ApiTarget, wanted: string): Promise<Source> {
  const { sources } = await callApi<{ sources: Source[] }>(target, 'GET', '/sources');
  const byId = sources.find((s) => s.id === wanted);
  if (byId) return byId;
  const named = sources.filter((s) => s.name === wanted);
  if (named.length === 1) return named[0]!;
  if (named.length > 1) throw new CliError(`${named.length} sources are named "${wanted}" (${named.map((s) => s.id).join(', ')}); pass --source <id>`);
  throw new CliError(`no source "${wanted}"; create one with: tessera sources create --name "${wanted}" --channel import`);
}

async function readState(path: string): Promise<ImportState | undefined> {
  try {
    const state = JSON.parse(await readFile(path, 'utf8')) as ImportState;
    return state.version === 1 ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Written aside and renamed, so a kill mid-write leaves the previous state whole. */
async function writeState(path: string, state: ImportState): Promise<void> {
  const aside = `${path}.tmp`;
  await writeFile(aside, JSON.stringify(state, null, 2));
  await rename(aside, path);
}

export async function runImport(file: string, flags: ImportFlags, target: ApiTarget, out: Output): Promise<void> {
  const format = formatOf(file, flags.format);
  const mapping = await readMapping(flags.mapping);
  const size = await stat(file).then(
    (s) => s.size,
    (error: unknown) => {
      throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
    },
  );
  const source = await resolveSource(target, flags.source);
  const fileKey = await fileKeyOf(file);
  const mappingDigest = createHash('sha256').update(JSON.stringify(mapping)).digest('hex');
  const statePath = flags.state ?? `${file}.import-state.json`;
  const rejectsPath = flags.rejects ?? `${file}.rejects.csv`;

  // Continue the import the state file names, if it is this file, mapping and source and the server still has it.
  const saved = flags.resume ? await readState(statePath) : undefined;
  let state: ImportState | undefined;
  let current: Import | undefined;
  if (
    saved !== undefined &&
    saved.url === target.url &&
    saved.sourceId === source.id &&
    saved.fileKey === fileKey &&
    saved.mappingDigest === mappingDigest &&
    saved.format === format &&
    saved.rejects.path === rejectsPath
  ) {
    current = await callApi<Import>(target, 'GET', `/imports/${encodeURIComponent(saved.importId)}`).catch((error: unknown) => {
      if (error instanceof CliError && error.status === 404) return undefined;
      throw error;
    });
    if (current !== undefined && current.status !== 'failed') {
      state = saved;
      // Rejects beyond what the state says were written may be half written: cut them, they are fetched again.
      await truncate(rejectsPath, saved.rejects.bytes).catch(async () => {
        await writeFile(rejectsPath, rejectsHeader);
        state = { ...saved, rejects: { ...saved.rejects, line: 0, bytes: Buffer.byteLength(rejectsHeader) } };
      });
    }
  }
  const resumedFrom = state === undefined || current === undefined ? null : current.committed.line;
  if (state === undefined || current === undefined) {
    current = await callApi<Import>(target, 'POST', '/imports', { sourceId: source.id, format, mapping, fileName: basename(file), fileKey });
    await writeFile(rejectsPath, rejectsHeader);
    state = {
      version: 1,
      importId: current.id,
      url: target.url,
      sourceId: source.id,
      fileKey,
      mappingDigest,
      format,
      acknowledged: { line: 0, offset: 0 },
      rejects: { path: rejectsPath, line: 0, bytes: Buffer.byteLength(rejectsHeader) },
    };
    await writeState(statePath, state);
  }

  const importId = current.id;
  const showBar = flags.progress && flags.json !== true && out.stderr.isTTY === true;
  const bar = showBar
    ? new cliProgress.SingleBar(
        {
          stream: out.stderr,
          format: `${basename(file)} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}`,
          hideCursor: true,
          etaBuffer: 40,
          fps: 8,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const startedAt = Date.now();
  const rowsAtStart = current.rows.read;
  bar?.start(size, current.committed.offset, { rows: rowsAtStart, rate: 0 });

  /** Brings the state file, the rejects file and the bar up to what the server has acknowledged. */
  const sync = async (view: Import): Promise<void> => {
    let rejects = state!.rejects;
    if (view.rows.rejected > 0) {
      const handle = await open(rejectsPath, 'a');
      try {
        for (;;) {
          const page = await callApi<ImportRejectsPage>(target, 'GET', `/imports/${encodeURIComponent(importId)}/rejects?afterLine=${rejects.line}&limit=1000`);
          if (page.rejects.length === 0) break;
          const text = page.rejects.map((r) => formatCsvRecord([String(r.line), r.reason, r.record])).join('');
          await handle.write(text);
          rejects = { path: rejectsPath, line: page.rejects.at(-1)!.line, bytes: rejects.bytes + Buffer.byteLength(text) };
          if (page.nextAfterLine === null) break;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    state = { ...state!, acknowledged: { line: view.committed.line, offset: view.committed.offset }, rejects };
    await writeState(statePath, state);
    const seconds = (Date.now() - startedAt) / 1000;
    bar?.update(view.committed.offset, { rows: view.rows.read, rate: seconds > 0 ? Math.round((view.rows.read - rowsAtStart) / seconds) : 0 });
  };

  let finished: Import | undefined;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      if (!polling) break;
      // Progress is best effort while the upload runs: a failed poll is retried at the next tick.
      const view = await callApi<Import>(target, 'GET', `/imports/${encodeURIComponent(importId)}`).catch(() => undefined);
      if (view !== undefined && polling) await sync(view).catch(() => undefined);
    }
  })();
  try {
    if (current.status === 'completed') finished = current;
    for (let attempt = 1; finished === undefined; attempt++) {
      const offset = current.committed.offset;
      try {
        finished = await streamToApi<Import>(
          target,
          'PUT',
          `/imports/${encodeURIComponent(importId)}/data?offset=${offset}`,
          createReadStream(file, { start: offset }),
          contentTypes[format],
        );
      } catch (error) {
        // A previous run's upload, cut off, may still have been committing when this one asked: start from where it got.
        if (!(error instanceof CliError) || error.status !== 409 || !/continues at offset/.test(error.message) || attempt >= uploadAttempts) throw error;
        current = await callApi<Import>(target, 'GET', `/imports/${encodeURIComponent(importId)}`);
      }
    }
  } finally {
    polling = false;
    await poller;
  }
  await sync(finished);
  bar?.update(size);
  bar?.stop();

  // The rows are in; the profile counts come once the unify stage has applied them.
  const deadline = Date.now() + flags.wait * 1000;
  let view = finished;
  while (view.profiles.pending && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    view = await callApi<Import>(target, 'GET', `/imports/${encodeURIComponent(importId)}`);
  }
  await rm(statePath, { force: true });
  const rejectsFile = view.rows.rejected > 0 ? rejectsPath : null;
  if (rejectsFile === null) await rm(rejectsPath, { force: true });
  printSummary(out, { file, source, view, rejectsFile, resumedFrom, json: flags.json === true });
}

const number = (n: number): string => n.toLocaleString('en-US');

function printSummary(
  out: Output,
  summary: { file: string; source: Source; view: Import; rejectsFile: string | null; resumedFrom: number | null; json: boolean },
): void {
  const { view, source, rejectsFile, resumedFrom } = summary;
  if (summary.json) {
    out.stdout.write(`${JSON.stringify({ import: view, rejectsFile, resumedFromLine: resumedFrom }, null, 2)}\n`);
    return;
  }
  const { rows, profiles } = view;
  const lines = [
    `Imported ${summary.file} into ${source.name} (${source.id}) as ${view.id}${resumedFrom !== null ? `, resumed after line ${number(resumedFrom)}` : ''}`,
    `  read      ${number(rows.read)}`,
    `  accepted  ${number(rows.accepted)}${rows.duplicates > 0 ? ` (${number(rows.duplicates)} already imported before)` : ''}`,
    `  rejected  ${number(rows.rejected)}${rejectsFile !== null ? ` -> ${rejectsFile}` : ''}`,
    profiles.pending
      ? `  profiles  not known yet: Tessera is still unifying the rows (see GET /api/v1/imports/${view.id})`
      : `  profiles  ${number(profiles.created ?? 0)} created, ${number(profiles.merged ?? 0)} merged`,
  ];
  out.stdout.write(`${lines.join('\n')}\n`);
}
