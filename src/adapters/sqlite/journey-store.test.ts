import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InstanceRecord, OperationalStore, WebhookRequest } from '../../store/index.js';
import { openSqlite } from './database.js';
import { SqliteJourneyStore } from './journey-store.js';
import { operationalMigrations } from './operational-migrations.js';
import { openSqliteOperationalStore } from './operational-store.js';

const dirs: string[] = [];
const stores: OperationalStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function open(): Promise<OperationalStore> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-journey-store-'));
  dirs.push(dir);
  const store = openSqliteOperationalStore(join(dir, 'state.db'));
  stores.push(store);
  return store;
}

const waiting = (id: string, journeyId: string, wakeAt: number): InstanceRecord => ({
  id,
  journeyId,
  version: 1,
  profileId: `pro_${id}`,
  status: 'active',
  step: 'wait',
  visit: 0,
  stepEnteredAt: 0,
  wakeAt,
  waitingFor: null,
  entry: { event: null, properties: {}, messageId: null, at: 0 },
  variant: null,
  holdout: false,
  converted: false,
  enteredAt: 0,
  endedAt: null,
  exitReason: null,
});

const call: WebhookRequest = { step: 'call', method: 'POST', url: 'http://x', headers: {}, body: null, timeoutMs: 1000, retries: 1, waits: true, renderError: null };

describe('SqliteJourneyStore', () => {
  it('finds due timers of the given journeys only, soonest first, so a paused journey holds up no other', async () => {
    const { journeys } = await open();
    await journeys.commit({
      instances: [waiting('a1', 'paused', 10), waiting('a2', 'paused', 11), waiting('b1', 'live', 30), waiting('b2', 'live', 20), waiting('b3', 'live', 99)],
      history: [],
      sends: [],
      effects: [],
    });
    expect((await journeys.dueInstances(50, 1, ['live'])).map((i) => i.id)).toEqual(['b2']);
    expect((await journeys.dueInstances(50, 10, ['live'])).map((i) => i.id)).toEqual(['b2', 'b1']);
    expect((await journeys.dueInstances(50, 10, ['live', 'paused'])).map((i) => i.id)).toEqual(['a1', 'a2', 'b2', 'b1']);
    expect(await journeys.dueInstances(50, 10, [])).toEqual([]);
  });

  it('keeps a webhook call due until it is settled, rescheduled by each attempt', async () => {
    const { journeys } = await open();
    const effect = { idempotencyKey: 'i1:call:0', instanceId: 'i1', kind: 'webhook', payload: call };
    await journeys.commit({ instances: [], history: [], sends: [], effects: [effect, { ...effect, idempotencyKey: 'i1:up:1', kind: 'updateProfile', payload: {} }] });
    expect(await journeys.dueWebhooks(0, 10)).toEqual([{ idempotencyKey: 'i1:call:0', instanceId: 'i1', request: call, attempts: 0 }]);
    await journeys.scheduleWebhook('i1:call:0', 1, 500, null);
    expect(await journeys.dueWebhooks(499, 10)).toEqual([]);
    expect((await journeys.dueWebhooks(500, 10)).map((w) => w.attempts)).toEqual([1]);
    // Committing the same effect again (a replay) neither duplicates nor resets it.
    await journeys.commit({ instances: [], history: [], sends: [], effects: [effect] });
    expect((await journeys.dueWebhooks(500, 10)).map((w) => w.attempts)).toEqual([1]);
    await journeys.commit({ instances: [], history: [], sends: [], effects: [], settledWebhooks: [{ idempotencyKey: 'i1:call:0', outcome: { kind: 'failure', error: 'x', attempts: 1 } }] });
    expect(await journeys.dueWebhooks(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  });

  it('commits a log batch that hands nothing to a performer without waiting for the disk, and one that does after it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-journey-store-'));
    dirs.push(dir);
    const db = openSqlite(join(dir, 'state.db'), operationalMigrations);
    const journeys = new SqliteJourneyStore(db);
    const modes: string[] = [];
    const pragma = db.pragma.bind(db);
    vi.spyOn(db, 'pragma').mockImplementation((source, options) => {
      if (source.startsWith('synchronous')) modes.push(source);
      return pragma(source, options);
    });
    const checkpoint = (offset: number) => ({ consumer: 'journeys', partition: 0, offset });
    const nothing = { instances: [], history: [], sends: [], effects: [] };
    await journeys.commit({ ...nothing, instances: [waiting('i1', 'j1', 5)] }, checkpoint(1));
    expect(modes).toEqual(['synchronous = NORMAL', 'synchronous = FULL']);
    modes.length = 0;
    const effect = { idempotencyKey: 'i1:call:0', instanceId: 'i1', kind: 'webhook', payload: call };
    await journeys.commit({ ...nothing, effects: [effect] }, checkpoint(2));
    await journeys.commit({ ...nothing, settledWebhooks: [{ idempotencyKey: 'i1:call:0', outcome: { kind: 'failure', error: 'x', attempts: 1 } }] }, checkpoint(3));
    // A timer's batch moves no checkpoint: nothing would replay it.
    await journeys.commit({ ...nothing, instances: [waiting('i1', 'j1', 9)] });
    expect(modes).toEqual([]);
    db.close();
  });
});
