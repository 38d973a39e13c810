import { describe, expect, it } from 'vitest';
import type { ConsentUpdate, SuppressionCreate } from '../../contracts/index.js';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import type { DeliveryRecord, LogEntry } from '../../store/index.js';
import { EngagementService } from './engagement-service.js';
import { EngagementRecorder } from './recorder.js';
import { LinkSigner } from './signed-links.js';

const delivery: DeliveryRecord = {
  id: 'ins_1:mail:0',
  instanceId: 'ins_1',
  journeyId: 'jny_1',
  profileId: 'prf_1',
  step: 'mail',
  channel: 'email',
  category: 'marketing',
  template: 'welcome',
  variant: 'B',
  status: 'sent',
  attempts: 1,
  nextAttemptAt: null,
  recipient: 'ada@example.com',
  provider: 'smtp',
  providerMessageId: '<x@y>',
  lastError: null,
  createdAt: 0,
  updatedAt: 0,
};

function setUp() {
  const appended: LogEntry[] = [];
  const suppressed: SuppressionCreate[] = [];
  const consents: ConsentUpdate[] = [];
  const signer = new LinkSigner(Buffer.alloc(32, 1));
  const service = new EngagementService({
    deliveries: { get: async (id) => (id === delivery.id ? delivery : undefined) },
    people: async () => ({ id: 'prf_1', traits: {}, identifiers: ['email:ada@example.com'] }),
    recorder: new EngagementRecorder({
      log: {
        append: async (entries) => {
          appended.push(...entries);
          return entries.map(() => ({ kind: 'duplicate' as const }));
        },
      },
      internalSourceId: 'src_internal',
      clock: new ManualClock(Date.UTC(2026, 10, 24)),
    }),
    signer,
    setConsent: async (_id, update) => consents.push(update),
    suppress: async (entry) => suppressed.push(entry),
    logger: silentLogger,
  });
  return { service, appended, suppressed, consents, signer };
}

describe('EngagementService', () => {
  it('records provider reports as events about the address, suppressing it on a complaint', async () => {
    const { service, appended, suppressed } = setUp();
    expect(await service.report(delivery.id, { kind: 'delivered' })).toBe(true);
    expect(await service.report(delivery.id, { kind: 'complained', reason: 'abuse report' })).toBe(true);
    expect(await service.report('nope', { kind: 'delivered' })).toBe(false);
    expect(appended.map((e) => [e.message.event, e.message.context])).toEqual([
      ['Message Delivered', { tessera: { identifiers: ['email:ada@example.com'] } }],
      ['Message Complained', { tessera: { identifiers: ['email:ada@example.com'] } }],
    ]);
    expect(appended[1]?.message.properties).toMatchObject({ channel: 'email', journeyId: 'jny_1', step: 'mail', template: 'welcome', variant: 'B', reason: 'abuse report' });
    expect(suppressed).toEqual([{ identifier: 'email:ada@example.com', reason: 'complained', note: 'smtp: abuse report' }]);
  });

  it('gives a once-per-delivery event the same message id every time, so the log keeps one', async () => {
    const { service, appended } = setUp();
    await service.report(delivery.id, { kind: 'delivered' });
    await service.report(delivery.id, { kind: 'delivered' });
    expect(appended[0]?.dedupeKey).toBe(appended[1]?.dedupeKey);
    await service.opened(delivery);
    await service.opened(delivery);
    expect(appended[2]?.dedupeKey).not.toBe(appended[3]?.dedupeKey);
  });

  it('unsubscribes: marketing consent denied and the address suppressed before the event', async () => {
    const { service, appended, suppressed, consents } = setUp();
    await service.unsubscribe(delivery, 'one-click');
    expect(consents).toEqual([{ consent: [{ channel: 'email', purpose: 'marketing', state: 'denied' }], source: `unsubscribe:${delivery.id}` }]);
    expect(suppressed[0]).toMatchObject({ identifier: 'email:ada@example.com', reason: 'unsubscribed' });
    expect(appended.map((e) => e.message.event)).toEqual(['Unsubscribed']);
  });

  it('verifies a token only for its own kind and an existing delivery', async () => {
    const { service, signer } = setUp();
    const open = signer.sign({ kind: 'open', deliveryId: delivery.id });
    expect((await service.verify(open, 'open')).ok).toBe(true);
    expect((await service.verify(open, 'unsubscribe')).ok).toBe(false);
    expect((await service.verify(signer.sign({ kind: 'open', deliveryId: 'gone' }), 'open')).ok).toBe(false);
  });
});
