import type { Source, SourceCreate, SourcePatch } from '../contracts/index.js';
import type { Clock } from '../lib/clock.js';
import { notFound } from '../lib/errors.js';
import { newId, randomToken } from '../lib/ids.js';
import { err, ok, type Result } from '../lib/result.js';
import { TtlCache } from '../lib/ttl-cache.js';
import type { SourceRecord, SourceStore } from '../store/index.js';
import { originAllowed } from './origins.js';

export type AuthFailure = 'missing_key' | 'unknown_key' | 'expired_key' | 'disabled';

export const authFailureMessages: Record<AuthFailure, string> = {
  missing_key:
    'No write key. Send it as the HTTP Basic username with an empty password, or as "writeKey" in the JSON body.',
  unknown_key: 'The write key is not valid. Check the key your SDK is configured with against `tessera sources list`.',
  expired_key: 'The write key was rotated and its grace period is over. Configure the SDK with the source\'s current key.',
  disabled: 'The source for this write key is disabled. Enable it again with PATCH /api/v1/sources/{id} {"enabled": true}.',
};

const writeKeyLength = 32;
export const systemSourceId = 'src_tessera';
const keyCacheTtlMs = 5_000;

export function toSource(record: SourceRecord): Source {
  return {
    id: record.id,
    name: record.name,
    channel: record.channel,
    writeKey: record.writeKey,
    enabled: record.enabled,
    allowedOrigins: [...record.allowedOrigins],
    previousWriteKeyExpiresAt:
      record.previousWriteKeyExpiresAt === null ? null : new Date(record.previousWriteKeyExpiresAt).toISOString(),
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
}

/** Sources and their write keys: creation, changes, rotation, and authentication of tracking calls. */
export class SourceService {
  readonly #store: SourceStore;
  readonly #clock: Clock;
  /** Write key -> source; a miss is cached too, so a flood of bad keys does not reach the store. */
  readonly #byKey: TtlCache<string, SourceRecord | null>;
  /** Allowed origins of all enabled sources, for CORS preflights (which carry no write key). */
  readonly #origins: TtlCache<'all', readonly string[]>;

  constructor(store: SourceStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
    this.#byKey = new TtlCache(clock, keyCacheTtlMs);
    this.#origins = new TtlCache(clock, keyCacheTtlMs);
  }

  async create(input: SourceCreate): Promise<Source> {
    const now = this.#clock.now();
    const record: SourceRecord = {
      id: newId('src'),
      name: input.name,
      channel: input.channel,
      writeKey: randomToken(writeKeyLength),
      previousWriteKey: null,
      previousWriteKeyExpiresAt: null,
      enabled: true,
      allowedOrigins: input.allowedOrigins ?? ['*'],
      createdAt: now,
      updatedAt: now,
    };
    await this.#store.create(record);
    this.#origins.clear();
    return toSource(record);
  }

  /**
   * The source of the messages Tessera writes itself (Segment Entered...).
   * It is disabled, so its write key opens nothing: its messages reach the log
   * from inside, never through the tracking API.
   */
  async ensureSystemSource(): Promise<Source> {
    const existing = await this.#store.get(systemSourceId);
    if (existing !== undefined) return toSource(existing);
    const now = this.#clock.now();
    const record: SourceRecord = {
      id: systemSourceId,
      name: 'Tessera',
      channel: 'other',
      writeKey: randomToken(writeKeyLength),
      previousWriteKey: null,
      previousWriteKeyExpiresAt: null,
      enabled: false,
      allowedOrigins: [],
      createdAt: now,
      updatedAt: now,
    };
    await this.#store.create(record);
    return toSource(record);
  }

  async list(): Promise<Source[]> {
    return (await this.#store.list()).map(toSource);
  }

  async get(id: string): Promise<Source> {
    return toSource(await this.#require(id));
  }

  async update(id: string, patch: SourcePatch): Promise<Source> {
    const before = await this.#require(id);
    const updated = await this.#store.update(id, {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.enabled !== undefined && { enabled: patch.enabled }),
      ...(patch.allowedOrigins !== undefined && { allowedOrigins: patch.allowedOrigins }),
      updatedAt: this.#clock.now(),
    });
    this.#forget(before);
    if (updated === undefined) throw notFound('source', id);
    return toSource(updated);
  }

  /** Issues a new write key; the old one keeps working for `gracePeriodSeconds` (0: revoked at once). */
  async rotateKey(id: string, gracePeriodSeconds: number): Promise<Source> {
    const before = await this.#require(id);
    const now = this.#clock.now();
    const updated = await this.#store.update(id, {
      writeKey: randomToken(writeKeyLength),
      previousWriteKey: gracePeriodSeconds > 0 ? before.writeKey : null,
      previousWriteKeyExpiresAt: gracePeriodSeconds > 0 ? now + gracePeriodSeconds * 1000 : null,
      updatedAt: now,
    });
    this.#forget(before);
    if (updated === undefined) throw notFound('source', id);
    return toSource(updated);
  }

  /** The enabled source that `writeKey` belongs to, or why there is none. */
  async authenticate(writeKey: string | undefined): Promise<Result<SourceRecord, AuthFailure>> {
    if (writeKey === undefined || writeKey === '') return err('missing_key');
    const source = await this.#byKey.getOrLoad(writeKey, async () => (await this.#store.findByWriteKey(writeKey)) ?? null);
    if (source === null) return err('unknown_key');
    if (source.writeKey !== writeKey) {
      const expiresAt = source.previousWriteKeyExpiresAt;
      if (expiresAt === null || expiresAt <= this.#clock.now()) return err('expired_key');
    }
    return source.enabled ? ok(source) : err('disabled');
  }

  /** Whether any enabled source accepts calls from `origin`; answers CORS preflights. */
  async anyAllowsOrigin(origin: string): Promise<boolean> {
    const patterns = await this.#origins.getOrLoad('all', async () =>
      (await this.#store.list()).filter((s) => s.enabled).flatMap((s) => s.allowedOrigins),
    );
    return originAllowed(patterns, origin);
  }

  async #require(id: string): Promise<SourceRecord> {
    const source = await this.#store.get(id);
    if (source === undefined) throw notFound('source', id);
    return source;
  }

  #forget(source: SourceRecord): void {
    this.#origins.clear();
    this.#byKey.delete(source.writeKey);
    if (source.previousWriteKey !== null) this.#byKey.delete(source.previousWriteKey);
  }
}
