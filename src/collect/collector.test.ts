import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventLog, openSqliteOperationalStore } from '../adapters/sqlite/index.js';
import { ManualClock } from '../lib/clock.js';
import { TesseraError } from '../lib/errors.js';
import type { AppendOutcome, EventLog, LogEntry, OperationalStore, SourceRecord } from '../store/index.js';
import { Collector } from './collector.js';
import { TrackingPlanService } from './tracking-plans.js';

/** A real log whose appends wait until released, to hold messages "in flight". */
class HeldLog {
  readonly #log: EventLog;
  #release: () => void = () => undefined;
  readonly #gate = new Promise<void>((resolve) => (this.#release = resolve));

  constructor(log: EventLog) {
    this.#log = log;
  }

  async append(entries: readonly LogEntry[]): Promise<AppendOutcome[]> {
    await this.#gate;
    return this.#log.append(entries);
  }

  release(): void {
    this.#release();
  }
}

describe('Collector overload', () => {
  let dir: string;
  let state: OperationalStore;
  let log: SqliteEventLog;
  const clock = new ManualClock();
  const source: SourceRecord = {
    id: 'src_1',
    name: 'Web',
    channel: 'web',
    writeKey: 'k',
    previousWriteKey: null,
    previousWriteKeyExpiresAt: null,
    enabled: true,
    allowedOrigins: ['*'],
    createdAt: 0,
    updatedAt: 0,
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-collector-'));
    state = openSqliteOperationalStore(join(dir, 'state.db'));
    log = new SqliteEventLog({ path: join(dir, 'log.db'), clock, dedupeWindowMs: 60_000 });
  });
  afterEach(async () => {
    await log.close();
    await state.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 429 with Retry-After while too many messages wait for the disk, and recovers', async () => {
    const held = new HeldLog(log);
    const collector = new Collector({
      log: held as unknown as EventLog,
      rejections: state.rejections,
      plans: new TrackingPlanService(state.trackingPlans, state.sources, clock),
      maxInflightMessages: 3,
    });
    const receive = { source, receivedAt: clock.now() };
    const batch = (n: number) => ({ batch: Array.from({ length: n }, () => ({ type: 'track', userId: 'u', event: 'E' })) });

    const first = collector.collectBatch(receive, batch(2), 100);
    const refused = await collector.collectBatch(receive, batch(2), 100).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TesseraError);
    expect(refused).toMatchObject({ code: 'TESSERA_ERR_OVERLOADED', status: 429, retryAfterSeconds: 1 });
    expect(collector.inflight).toBe(2);

    held.release();
    expect((await first).accepted).toBe(2);
    expect(collector.inflight).toBe(0);
    expect((await collector.collectBatch(receive, batch(3), 100)).accepted).toBe(3);
  });

  it('always lets a request through when nothing else is in flight, however large', async () => {
    const collector = new Collector({
      log,
      rejections: state.rejections,
      plans: new TrackingPlanService(state.trackingPlans, state.sources, clock),
      maxInflightMessages: 1,
    });
    const many = { batch: Array.from({ length: 10 }, () => ({ type: 'track', userId: 'u', event: 'E' })) };
    expect((await collector.collectBatch({ source, receivedAt: clock.now() }, many, 100)).accepted).toBe(10);
  });
});
