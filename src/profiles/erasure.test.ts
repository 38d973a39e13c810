import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteOperationalStore } from '../adapters/sqlite/index.js';
import type { CollectedMessage, EventsPage, StoredEvent } from '../contracts/index.js';
import {
  ErasedIdentifiers,
  IdentityResolver,
  IdentityWorkspace,
  extractIdentifiers,
  fragmentKeyOf,
  resolveIdentityRules,
} from '../identity/index.js';
import { ManualClock } from '../lib/clock.js';
import { TesseraError } from '../lib/errors.js';
import { silentLogger } from '../lib/logger.js';
import { Mutex } from '../lib/mutex.js';
import type { EventErasure, EventScope, LogRecord, OperationalStore } from '../store/index.js';
import { ErasureService } from './erasure.js';
import { resolveProfileRules } from './state.js';
import { toEventRow } from './event-projection.js';
import { UnifyProjection } from './unify-projection.js';

const identityRules = resolveIdentityRules(undefined);
const profileRules = resolveProfileRules(undefined);

const message = (messageId: string, fields: Partial<CollectedMessage>): CollectedMessage => ({
  v: 1,
  messageId,
  type: 'track',
  event: 'Viewed',
  sourceId: 'src_1',
  channel: 'web',
  context: {},
  timestamp: '2026-01-01T00:00:00.000Z',
  receivedAt: '2026-01-01T00:00:00.000Z',
  ...fields,
});

const opened: OperationalStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

/**
 * The erasure service over a real identity store, a log and an event store
 * in memory, and an event projection whose position the test moves.
 */
async function setUp(logged: CollectedMessage[], unifyRead: number) {
  const store = openSqliteOperationalStore(':memory:');
  opened.push(store);
  const clock = new ManualClock();
  const lock = new Mutex();
  const erased = new ErasedIdentifiers({ hashes: [], secret: Buffer.alloc(32, 1), obtainSecret: async () => Buffer.alloc(32, 1) });
  const resolver = IdentityResolver.forRules(identityRules, clock, silentLogger);
  const unify = new UnifyProjection({ store: store.identity, resolver, identityRules, profileRules, lock, erased, clock });
  const records: LogRecord[] = logged.map((m, i) => ({ partition: 0, offset: i + 1, message: m }));
  await unify.apply(0, records.slice(0, unifyRead));

  let events: StoredEvent[] = records.map((r) => toEventRow(r, extractIdentifiers(r.message, identityRules)));
  const erasedFromLog: number[] = [];
  const erasures: EventErasure[] = [];
  const projection = { at: records.length };
  const service = new ErasureService({
    store: store.identity,
    events: {
      list: async (_query, scope?: EventScope): Promise<EventsPage> => ({
        events: events.filter((e) => scope?.fragmentKeys.includes((e as StoredEvent & { fragmentKey: string | null }).fragmentKey ?? '')),
        nextCursor: null,
      }),
      erase: async (erasure) => {
        erasures.push(erasure);
        events = events.filter((e) => !erasure.offsets.includes(e.offset));
        return erasure.offsets.slice();
      },
    },
    log: {
      partitions: 1,
      headOffset: async () => records.length,
      read: async (_partition, after, limit) => records.filter((r) => r.offset > after).slice(0, limit),
      erase: async (_partition, offsets) => {
        erasedFromLog.push(...offsets);
      },
    },
    suppressions: { remove: async () => 0 },
    erased,
    identityRules,
    profileRules,
    lock,
    clock,
    unify,
    eventProjection: { position: async () => projection.at },
    catchUpTimeoutMs: 200,
  });
  const profileOf = async (key: string) => new IdentityWorkspace(store.identity).profileOf(key);
  return { service, erased, projection, erasedFromLog, erasures, profileOf };
}

describe('ErasureService', () => {
  const logged = [
    message('p-1', { userId: 'p', anonymousId: 'a-p' }),
    message('q-1', { userId: 'q' }),
    // Not read by the unify stage yet: no fragment of the person has it, the scan of the log finds it.
    message('p-2', { userId: 'p', context: { device: { id: 'new-device' } } }),
    message('q-2', { userId: 'q', context: { device: { id: 'other-device' } } }),
  ];

  it('waits for the event projection, then erases the person\'s events, including those the unify stage has not read', async () => {
    const { service, projection, erasedFromLog, erasures, erased, profileOf } = await setUp(logged, 2);
    const person = (await profileOf('user_id:p'))!;
    projection.at = 1;
    let done = false;
    const erasing = service.erase(person.id, 'test').then((record) => {
      done = true;
      return record;
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(done).toBe(false);
    projection.at = 4;
    const record = await erasing;

    expect(record).toMatchObject({ profileId: person.id, requestedBy: 'test', erasedEvents: 2 });
    expect(record.identifierHashes).toHaveLength(2);
    expect(erasedFromLog.sort()).toEqual([1, 3]);
    expect(erasures).toEqual([{ fragmentKeys: [fragmentKeyOf(extractIdentifiers(logged[0]!, identityRules))], offsets: [1, 3] }]);
    expect(await profileOf('user_id:p')).toBeUndefined();
    expect(await profileOf('user_id:q')).toBeDefined();
    expect(erased.includesAny(['anonymous_id:a-p'])).toBe(true);
  });

  it('gives up when the event store stays behind, and keeps taking the person\'s messages', async () => {
    const { service, projection, erasedFromLog, erased, profileOf } = await setUp(logged, 4);
    const person = (await profileOf('user_id:p'))!;
    projection.at = 2;
    const failure = await service.erase(person.id, 'test').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TesseraError);
    expect((failure as TesseraError).code).toBe('TESSERA_ERR_UNAVAILABLE');
    expect(erasedFromLog).toEqual([]);
    expect(erased.includesAny(['user_id:p'])).toBe(false);
    expect((await profileOf('user_id:p'))?.id).toBe(person.id);
  });

  it('answers not found for an unknown profile', async () => {
    const { service } = await setUp(logged, 4);
    await expect(service.erase('prf_nobody', 'test')).rejects.toMatchObject({ code: 'TESSERA_ERR_NOT_FOUND' });
  });
});
