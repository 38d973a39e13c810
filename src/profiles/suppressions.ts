import type {
  Suppression,
  SuppressionCreate,
  SuppressionExportQuery,
  SuppressionImportReport,
  SuppressionsPage,
  SuppressionsQuery,
} from '../contracts/index.js';
import { normalizeIdentifierKey, parseIdentifierKey, type ErasedIdentifiers, type IdentityRules } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { invalid, notFound, type FieldProblem } from '../lib/errors.js';
import type { Result } from '../lib/result.js';
import type { SuppressionRecord, SuppressionStore } from '../store/index.js';
import { suppressionView } from './profile-view.js';
import { readSuppressionCsv, suppressionCsvHeader, suppressionCsvLine } from './suppression-csv.js';

export interface SuppressionServiceOptions {
  readonly store: SuppressionStore;
  readonly identityRules: IdentityRules;
  readonly clock: Clock;
  /** Erased people count as suppressed: their identifiers are no longer on the list, only hashed. */
  readonly erased: Pick<ErasedIdentifiers, 'includesAny'>;
}

/** Entries per page read by the export. */
const exportPageSize = 1000;

/**
 * The global suppression list: identifiers never to contact, whatever their
 * consent says, with the reason. Identifiers are normalized as the identity
 * graph stores them, so `Jane@X.com` on the list suppresses `jane@x.com`.
 * Sending stages ask `isSuppressed` before every send.
 */
export class SuppressionService {
  readonly #o: SuppressionServiceOptions;

  constructor(options: SuppressionServiceOptions) {
    this.#o = options;
  }

  /**
   * Whether any of these identifier keys (as the graph stores them) must not
   * be contacted: listed, or belonging to an erased person.
   */
  async isSuppressed(identifierKeys: readonly string[]): Promise<boolean> {
    if (this.#o.erased.includesAny(identifierKeys)) return true;
    return (await this.#o.store.find(identifierKeys)).length > 0;
  }

  /** Lists one entry or many, replacing those of identifiers already listed; all or none, with every invalid identifier located. */
  async add(request: SuppressionCreate): Promise<Suppression[]> {
    const [inputs, field] = 'suppressions' in request ? [request.suppressions, (i: number) => `suppressions[${i}].`] : [[request], () => ''];
    const now = this.#o.clock.now();
    const problems: FieldProblem[] = [];
    const records = new Map<string, SuppressionRecord>();
    inputs.forEach((input, index) => {
      const identifier = this.#normalize(input.identifier);
      if (!identifier.ok) {
        problems.push({ field: `${field(index)}identifier`, rule: 'format', message: identifier.error });
        return;
      }
      // The same identifier twice in one request: the later entry is the one kept, as with two requests.
      records.set(identifier.value, { identifier: identifier.value, type: typeOf(identifier.value), reason: input.reason, note: input.note ?? null, createdAt: now });
    });
    if (problems.length > 0) throw invalid(problems);
    await this.#o.store.put([...records.values()]);
    return [...records.values()].map(suppressionView);
  }

  async list(query: SuppressionsQuery): Promise<SuppressionsPage> {
    const page = await this.#o.store.list({ reason: query.reason, type: query.type }, { limit: query.limit ?? 100, cursor: query.cursor });
    return { suppressions: page.records.map(suppressionView), nextCursor: page.nextCursor };
  }

  /** Takes an identifier off the list; not found when it was not on it. */
  async remove(key: string): Promise<void> {
    const identifier = this.#normalize(key);
    if (!identifier.ok) throw invalid([{ field: 'identifier', rule: 'format', message: identifier.error }]);
    if ((await this.#o.store.remove([identifier.value])) === 0) throw notFound('suppression of', identifier.value);
  }

  /** The list as CSV, header first, newest entries first, read a page at a time. */
  async *exportCsv(filter: SuppressionExportQuery): AsyncGenerator<string> {
    yield suppressionCsvHeader;
    let cursor: string | undefined;
    do {
      const page = await this.#o.store.list(filter, { limit: exportPageSize, cursor });
      yield page.records.map(suppressionCsvLine).join('');
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Lists the valid rows of a CSV file (in one transaction) and reports the others with their line and reason. */
  async importCsv(text: string): Promise<SuppressionImportReport> {
    const { entries, rejections } = readSuppressionCsv(text, (key) => this.#normalize(key), this.#o.clock.now());
    await this.#o.store.put(entries.map((e) => e.record));
    return { accepted: entries.length, rejected: rejections.length, rejections };
  }

  #normalize(key: string): Result<string, string> {
    return normalizeIdentifierKey(key, this.#o.identityRules);
  }
}

const typeOf = (key: string): string => parseIdentifierKey(key)?.type ?? key;
