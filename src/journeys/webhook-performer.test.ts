import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import type { PendingWebhook, WebhookOutcome, WebhookRequest } from '../store/index.js';
import { WebhookPerformer } from './webhook-performer.js';

/** The journey outbox's webhook rows, in memory, with what was recorded of each. */
class FakeOutbox {
  readonly rows = new Map<string, { call: PendingWebhook; dueAt: number; lastError: string | null }>();
  readonly settled = new Map<string, WebhookOutcome>();

  add(call: PendingWebhook): void {
    this.rows.set(call.idempotencyKey, { call, dueAt: 0, lastError: null });
  }
  async dueWebhooks(now: number, limit: number): Promise<PendingWebhook[]> {
    return [...this.rows.values()].filter((r) => !this.settled.has(r.call.idempotencyKey) && r.dueAt <= now).slice(0, limit).map((r) => r.call);
  }
  async scheduleWebhook(key: string, attempts: number, dueAt: number, lastError: string | null): Promise<void> {
    const row = this.rows.get(key);
    if (row !== undefined) this.rows.set(key, { call: { ...row.call, attempts }, dueAt, lastError });
  }
  async settleWebhook(call: PendingWebhook, outcome: WebhookOutcome): Promise<void> {
    this.settled.set(call.idempotencyKey, outcome);
  }
}

const request = (url: string, overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  step: 'call',
  method: 'POST',
  url,
  headers: {},
  body: '{"hello":"world"}',
  timeoutMs: 2_000,
  retries: 2,
  waits: true,
  renderError: null,
  ...overrides,
});

let server: Server;
let base: string;
/** Per path: the status to answer, and what the outbox held for the call when it arrived. */
const statusOf = new Map<string, number>();
const seen: { path: string; key: string | undefined; attemptsRecorded: number | undefined }[] = [];
let outbox: FakeOutbox;

beforeAll(async () => {
  server = createServer((req, res) => {
    const key = req.headers['idempotency-key'] as string | undefined;
    seen.push({ path: req.url ?? '', key, attemptsRecorded: key === undefined ? undefined : outbox.rows.get(key)?.call.attempts });
    req.resume();
    req.on('end', () => res.writeHead(statusOf.get(req.url ?? '') ?? 200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('WebhookPerformer', () => {
  it('records the attempt and its lease before calling, and settles the answer once', async () => {
    outbox = new FakeOutbox();
    const clock = new ManualClock(1_000_000);
    const performer = new WebhookPerformer({ store: outbox, stage: outbox, clock, logger: silentLogger });
    outbox.add({ idempotencyKey: 'ins_1:call:0', instanceId: 'ins_1', request: request(`${base}/ok`), attempts: 0 });
    expect(await performer.runDue()).toBe(1);
    expect(seen.filter((s) => s.path === '/ok')).toEqual([{ path: '/ok', key: 'ins_1:call:0', attemptsRecorded: 1 }]);
    expect(outbox.rows.get('ins_1:call:0')?.dueAt).toBe(1_000_000 + 2_000 + 30_000);
    expect(outbox.settled.get('ins_1:call:0')).toEqual({ kind: 'response', status: 200, body: { ok: true }, attempts: 1 });
    expect(await performer.runDue()).toBe(0);
  });

  it('makes a call interrupted by a crash again once its lease runs out, with the same key', async () => {
    outbox = new FakeOutbox();
    const clock = new ManualClock(2_000_000);
    // An attempt began (and was recorded) before the process died; its lease ends at 2,000,500.
    outbox.add({ idempotencyKey: 'ins_2:call:0', instanceId: 'ins_2', request: request(`${base}/again`), attempts: 1 });
    await outbox.scheduleWebhook('ins_2:call:0', 1, 2_000_500, null);
    const performer = new WebhookPerformer({ store: outbox, stage: outbox, clock, logger: silentLogger });
    expect(await performer.runDue()).toBe(0);
    clock.advance(500);
    expect(await performer.runDue()).toBe(1);
    expect(seen.filter((s) => s.path === '/again')).toEqual([{ path: '/again', key: 'ins_2:call:0', attemptsRecorded: 2 }]);
    expect(outbox.settled.get('ins_2:call:0')).toMatchObject({ kind: 'response', status: 200, attempts: 2 });
  });

  it('backs off between retries of a transient failure and settles the last answer after the retries', async () => {
    outbox = new FakeOutbox();
    statusOf.set('/busy', 503);
    const clock = new ManualClock(3_000_000);
    const performer = new WebhookPerformer({ store: outbox, stage: outbox, clock, logger: silentLogger });
    outbox.add({ idempotencyKey: 'ins_3:call:0', instanceId: 'ins_3', request: request(`${base}/busy`), attempts: 0 });
    await performer.runDue();
    expect(outbox.rows.get('ins_3:call:0')).toMatchObject({ dueAt: 3_001_000, lastError: 'answered 503' });
    clock.advance(1_000);
    await performer.runDue();
    expect(outbox.rows.get('ins_3:call:0')?.dueAt).toBe(3_003_000);
    clock.advance(2_000);
    await performer.runDue();
    expect(seen.filter((s) => s.path === '/busy')).toHaveLength(3);
    expect(outbox.settled.get('ins_3:call:0')).toMatchObject({ kind: 'response', status: 503, attempts: 3 });
  });

  it('settles a call whose template could not be rendered as a failure, without calling', async () => {
    outbox = new FakeOutbox();
    const performer = new WebhookPerformer({ store: outbox, stage: outbox, clock: new ManualClock(0), logger: silentLogger });
    outbox.add({ idempotencyKey: 'ins_4:call:0', instanceId: 'ins_4', request: request(`${base}/never`, { renderError: 'bad value' }), attempts: 0 });
    await performer.runDue();
    expect(seen.some((s) => s.path === '/never')).toBe(false);
    expect(outbox.settled.get('ins_4:call:0')).toEqual({ kind: 'failure', error: 'the template could not be rendered: bad value', attempts: 0 });
  });
});
