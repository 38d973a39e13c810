/**
 * The import use case: a file's rows become identify and track messages of a
 * source, appended to the log through the Collector like live calls, so they
 * go through the same pipeline (identity, golden record, lineage, segments).
 *
 * An import is created with its mapping, then its file is uploaded as one
 * streamed body. Rows are read, converted and appended in batches; after each
 * batch is durable in the log, the import records how far it got (the last
 * line and the byte offset after it) with the batch's rejected rows, so an
 * interrupted upload resumes where it stopped. Messages get ids from the
 * source, the file key and the line, so sending rows again stores nothing
 * twice (within the log's dedupe window).
 */
import { createHash } from 'node:crypto';
import type { Import, ImportCreate, ImportReject, ImportRejectsPage } from '../contracts/index.js';
import type { Clock } from '../lib/clock.js';
import { TesseraError, invalid, notFound, type FieldProblem } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { ImportRecord, ImportStore, SourceRecord, SourceStore } from '../store/index.js';
import type { BuiltOutcome, Collector } from './collector.js';
import { compileMapping, type CompiledMapping, type IdentifierPaths, type RowContext } from './import-mapping.js';
import { ImportFileError, readFile, type FileRecord, type ReadStart } from './import-readers.js';

export interface ImportServiceOptions {
  readonly store: ImportStore;
  readonly sources: Pick<SourceStore, 'get'>;
  readonly collector: Collector;
  readonly clock: Clock;
  /** Where the identity rules read each identifier type (see import-mapping.ts). */
  readonly identifierPaths: IdentifierPaths;
  /** The log offset of `partition` up to which the unify stage has applied messages. */
  readonly unifiedUpTo: (partition: number) => Promise<number>;
  readonly logger: Logger;
  /** Rows per log append; default 1,000. */
  readonly batchRows?: number;
}

interface PreparedBatch {
  /** The rows that became messages, with how many each made and their text for a reject by the tracking plan. */
  readonly rows: { readonly line: number; readonly messages: number; readonly raw: () => string }[];
  readonly messages: Parameters<Collector['collectBuilt']>[1][number][];
  readonly rejects: ImportReject[];
  readonly read: number;
  readonly last: FileRecord;
}

const overloadPauseMs = 100;
const hashLength = 16;

/** Imports: create, upload (streamed), progress, rejected rows and what the rows did to profiles. */
export class ImportService {
  readonly #options: ImportServiceOptions;
  readonly #batchRows: number;
  /** Uploads under way, by import id; a second upload of one import waits for the first to end. */
  readonly #uploads = new Map<string, Promise<unknown>>();

  constructor(options: ImportServiceOptions) {
    this.#options = options;
    this.#batchRows = options.batchRows ?? 1000;
  }

  async create(input: ImportCreate): Promise<Import> {
    await this.#source(input.sourceId, 'sourceId');
    const compiled = compileMapping(input.mapping, this.#options.identifierPaths);
    if (!compiled.ok) throw invalid(compiled.error);
    const now = this.#options.clock.now();
    const id = newId('imp');
    const digest = createHash('sha256').update(`${input.sourceId}\n${input.fileKey ?? id}`).digest('base64url').slice(0, hashLength);
    const record: ImportRecord = {
      id,
      sourceId: input.sourceId,
      format: input.format,
      fileName: input.fileName ?? null,
      fileKey: input.fileKey ?? null,
      messageIdPrefix: `import:${digest}:`,
      mapping: input.mapping,
      status: 'created',
      columns: null,
      read: 0,
      accepted: 0,
      duplicates: 0,
      rejected: 0,
      messages: 0,
      committedLine: 0,
      committedOffset: 0,
      logCut: {},
      outcome: null,
      error: null,
      createdAt: now,
      updatedAt: now,
      completedAt: null,
    };
    await this.#options.store.create(record);
    return this.#view(record);
  }

  /** An import; once it is complete and unified, with the profiles it created and the merges it caused. */
  async get(id: string): Promise<Import> {
    return this.#view(await this.#settle(await this.#load(id)));
  }

  async list(filter: { sourceId?: string | undefined; limit?: number | undefined }): Promise<Import[]> {
    const records = await this.#options.store.list({ sourceId: filter.sourceId, limit: filter.limit ?? 100 });
    return Promise.all(records.map(async (record) => this.#view(await this.#settle(record))));
  }

  async rejects(id: string, page: { afterLine?: number | undefined; limit?: number | undefined }): Promise<ImportRejectsPage> {
    await this.#load(id);
    const limit = page.limit ?? 1000;
    const rejects = await this.#options.store.rejects(id, page.afterLine ?? 0, limit);
    return { rejects, nextAfterLine: rejects.length === limit ? (rejects.at(-1)?.line ?? null) : null };
  }

  /**
   * Takes in the file, or its rest from `offset` (0, or `committed.offset` of
   * an interrupted upload). Resolves once every row is durable or rejected;
   * an upload of an import whose previous upload is still ending waits for it.
   */
  receive(id: string, body: AsyncIterable<Buffer | string>, offset: number): Promise<Import> {
    const previous = this.#uploads.get(id) ?? Promise.resolve();
    const upload = previous.catch(() => undefined).then(() => this.#receive(id, body, offset));
    this.#uploads.set(id, upload);
    const forget = () => {
      if (this.#uploads.get(id) === upload) this.#uploads.delete(id);
    };
    upload.then(forget, forget);
    return upload;
  }

  async #receive(id: string, body: AsyncIterable<Buffer | string>, offset: number): Promise<Import> {
    let record = await this.#load(id);
    if (record.status === 'completed') throw conflict(`import ${id} is complete; create a new import to send a file again`);
    if (record.status === 'failed') throw conflict(`import ${id} failed (${record.error ?? 'unknown error'}); create a new import`);
    if (offset !== 0 && offset !== record.committedOffset) {
      throw conflict(
        `import ${id} continues at offset ${record.committedOffset} (after line ${record.committedLine}); send the file from there, or from 0`,
      );
    }
    const textCells = record.format === 'csv' || record.format === 'tsv';
    if (offset !== 0 && textCells && record.columns === null) throw conflict(`import ${id} has not read the header yet; send the file from 0`);
    const source = await this.#source(record.sourceId, 'sourceId');
    const compiled = compileMapping(record.mapping, this.#options.identifierPaths);
    if (!compiled.ok) {
      await this.#save({ ...record, status: 'failed', error: 'the mapping no longer fits the identity rules' }, []);
      throw invalid(compiled.error);
    }

    const start: ReadStart = offset === 0 ? { offset: 0, line: 0 } : { offset, line: record.committedLine, columns: record.columns ?? undefined };
    // Sent again from the top, the rows already taken in are skipped.
    const skipThrough = offset === 0 ? record.committedOffset : 0;
    const context: Omit<RowContext, 'receivedAt'> = {
      importId: id,
      sourceId: source.id,
      channel: source.channel,
      messageIdPrefix: record.messageIdPrefix,
      defaultTimestamp: new Date(record.createdAt).toISOString(),
      textCells,
    };
    record = await this.#save({ ...record, status: 'receiving', error: null }, []);

    // One batch is appended while the next is read; progress is saved in file order.
    let committing: Promise<void> = Promise.resolve();
    const commit = (rows: FileRecord[]): Promise<void> => {
      const prepared = this.#prepare(rows, compiled.value, { ...context, receivedAt: this.#options.clock.now() });
      const appended = this.#append(source, prepared.messages);
      const before = committing;
      committing = (async () => {
        await before;
        const outcomes = await appended;
        const next = applyBatch(record, prepared, outcomes);
        record = await this.#save(next.record, next.rejects);
      })();
      // Awaited by the next commit or at the end; a failure meanwhile is not unhandled.
      committing.catch(() => undefined);
      appended.catch(() => undefined);
      return before;
    };

    let batch: FileRecord[] = [];
    try {
      for await (const item of readFile(record.format, body, start)) {
        if (item.kind === 'header') {
          const problems = headerProblems(compiled.value, item.columns);
          if (problems.length > 0) throw invalid(problems);
          if (record.committedOffset < item.end) {
            await committing;
            record = await this.#save({ ...record, columns: item.columns, committedLine: item.endLine, committedOffset: item.end }, []);
          }
          continue;
        }
        if (item.end <= skipThrough) continue;
        batch.push(item);
        if (batch.length >= this.#batchRows) {
          const rows = batch;
          batch = [];
          await commit(rows);
        }
      }
      if (batch.length > 0) await commit(batch);
      await committing;
      return this.#view(await this.#save({ ...record, status: 'completed', completedAt: this.#options.clock.now() }, []));
    } catch (error) {
      return this.#stop(error, () => record, async () => {
        // Rows read before the failure are whole: take them in before stopping.
        if (batch.length > 0) await commit(batch);
        await committing;
      });
    }
  }

  /** Ends an upload that failed: what was read is kept; the import is resumable unless the file itself is unreadable. */
  async #stop(error: unknown, current: () => ImportRecord, finish: () => Promise<void>): Promise<never> {
    let saved = true;
    await finish().catch((failure: unknown) => {
      saved = false;
      this.#options.logger.warn({ err: failure, importId: current().id }, 'import batch not saved after an upload failed');
    });
    const fileProblem = error instanceof ImportFileError;
    const fatal = fileProblem || (error instanceof TesseraError && error.code === 'TESSERA_ERR_VALIDATION');
    const message = fileProblem ? `${error.line > 0 ? `line ${error.line}: ` : ''}${error.message}` : error instanceof Error ? error.message : String(error);
    await this.#save({ ...current(), status: fatal && saved ? 'failed' : 'interrupted', error: message }, []).catch((failure: unknown) =>
      this.#options.logger.error({ err: failure, importId: current().id }, 'import status not saved'),
    );
    if (fileProblem) throw invalid([{ field: error.line > 0 ? `line ${error.line}` : 'body', rule: 'format', message: error.message }]);
    throw error;
  }

  #prepare(rows: readonly FileRecord[], mapping: CompiledMapping, context: RowContext): PreparedBatch {
    const prepared: PreparedBatch = { rows: [], messages: [], rejects: [], read: rows.length, last: rows.at(-1)! };
    for (const row of rows) {
      const reject = (column: string | null, reason: string) => prepared.rejects.push({ line: row.line, column, reason, record: row.raw() });
      if (row.values === undefined) {
        reject(null, row.error ?? 'cannot be read');
        continue;
      }
      const converted = mapping.convert(row.values, row.line, row.bytes, context);
      if (!converted.ok) {
        reject(converted.column, converted.reason);
        continue;
      }
      prepared.rows.push({ line: row.line, messages: converted.messages.length, raw: () => row.raw() });
      prepared.messages.push(...converted.messages);
    }
    return prepared;
  }

  /** Appends through the collector, waiting while live traffic keeps the log busy. */
  async #append(source: SourceRecord, messages: PreparedBatch['messages']): Promise<BuiltOutcome[]> {
    for (;;) {
      try {
        return messages.length === 0 ? [] : await this.#options.collector.collectBuilt(source, messages);
      } catch (error) {
        if (!(error instanceof TesseraError) || error.code !== 'TESSERA_ERR_OVERLOADED') throw error;
        await new Promise((resolve) => setTimeout(resolve, overloadPauseMs));
      }
    }
  }

  /** Computes and keeps the profile outcome once the import is complete and the unify stage has applied all of it. */
  async #settle(record: ImportRecord): Promise<ImportRecord> {
    if (record.status !== 'completed' || record.outcome !== null || !(await this.#unified(record))) return record;
    const outcome = record.messages === 0 ? { created: 0, merged: 0 } : await this.#options.store.profileOutcome(record.sourceId, record.messageIdPrefix, record.createdAt);
    return this.#save({ ...record, outcome }, []);
  }

  async #unified(record: ImportRecord): Promise<boolean> {
    for (const [partition, offset] of Object.entries(record.logCut)) {
      if ((await this.#options.unifiedUpTo(Number(partition))) < offset) return false;
    }
    return true;
  }

  async #save(record: ImportRecord, rejects: readonly ImportReject[]): Promise<ImportRecord> {
    const saved = { ...record, updatedAt: this.#options.clock.now() };
    await this.#options.store.save(saved, rejects);
    return saved;
  }

  async #load(id: string): Promise<ImportRecord> {
    const record = await this.#options.store.get(id);
    if (record === undefined) throw notFound('import', id);
    return record;
  }

  async #source(id: string, field: string): Promise<SourceRecord> {
    const source = await this.#options.sources.get(id);
    if (source === undefined) throw invalid([{ field, rule: 'exists', message: `source '${id}' does not exist` }]);
    if (!source.enabled) throw conflict(`source '${id}' is disabled; enable it to import into it`);
    return source;
  }

  #view(record: ImportRecord): Import {
    const iso = (ms: number) => new Date(ms).toISOString();
    // Stored as receiving but with no upload here: the server stopped during the upload.
    const status = record.status === 'receiving' && !this.#uploads.has(record.id) ? 'interrupted' : record.status;
    return {
      id: record.id,
      sourceId: record.sourceId,
      format: record.format,
      fileName: record.fileName,
      fileKey: record.fileKey,
      messageIdPrefix: record.messageIdPrefix,
      mapping: record.mapping,
      status,
      columns: record.columns === null ? null : [...record.columns],
      rows: { read: record.read, accepted: record.accepted, duplicates: record.duplicates, rejected: record.rejected },
      messages: record.messages,
      committed: { line: record.committedLine, offset: record.committedOffset },
      profiles: { pending: record.outcome === null, created: record.outcome?.created ?? null, merged: record.outcome?.merged ?? null },
      error: record.error,
      createdAt: iso(record.createdAt),
      updatedAt: iso(record.updatedAt),
      completedAt: record.completedAt === null ? null : iso(record.completedAt),
    };
  }
}

const conflict = (message: string): TesseraError => new TesseraError('TESSERA_ERR_CONFLICT', message);

/** Every column the mapping reads must be in the header, once. */
function headerProblems(mapping: CompiledMapping, columns: readonly string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const column of mapping.columns) {
    const count = columns.filter((c) => c === column).length;
    if (count === 0) problems.push({ field: 'line 1', rule: 'header', message: `the mapping reads column "${column}", which the header (${columns.join(', ')}) does not have` });
    else if (count > 1) problems.push({ field: 'line 1', rule: 'header', message: `the header has column "${column}" ${count} times; the mapping cannot tell which to read` });
  }
  return problems;
}

/** The import after a batch: counts, how far the file is taken in, and the batch's rejects (rows blocked by the tracking plan too). */
function applyBatch(record: ImportRecord, batch: PreparedBatch, outcomes: readonly BuiltOutcome[]): { record: ImportRecord; rejects: ImportReject[] } {
  const rejects = [...batch.rejects];
  let accepted = 0;
  let duplicates = 0;
  let messages = 0;
  const logCut: Record<string, number> = { ...record.logCut };
  let at = 0;
  for (const row of batch.rows) {
    const own = outcomes.slice(at, at + row.messages);
    at += row.messages;
    const blocked = own.flatMap((o) => (o.kind === 'rejected' ? o.problems : []));
    for (const outcome of own) {
      if (outcome.kind !== 'appended') continue;
      messages++;
      const key = String(outcome.partition);
      logCut[key] = Math.max(logCut[key] ?? 0, outcome.offset);
    }
    if (blocked.length > 0) {
      rejects.push({ line: row.line, column: null, reason: `blocked by the tracking plan: ${blocked.map((p) => `${p.field}: ${p.message}`).join('; ')}`, record: row.raw() });
      continue;
    }
    accepted++;
    if (own.every((o) => o.kind === 'duplicate')) duplicates++;
  }
  return {
    record: {
      ...record,
      read: record.read + batch.read,
      accepted: record.accepted + accepted,
      duplicates: record.duplicates + duplicates,
      rejected: record.rejected + rejects.length,
      messages: record.messages + messages,
      logCut,
      committedLine: batch.last.endLine,
      committedOffset: batch.last.end,
    },
    rejects,
  };
}
