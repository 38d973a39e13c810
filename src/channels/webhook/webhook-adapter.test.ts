import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer } from '../../../test/helpers/recording-server.js';
import { ManualClock } from '../../lib/clock.js';
import type { OutgoingMessage } from '../adapter.js';
import { verifyWebhookSignature } from './signature.js';
import { WebhookAdapter } from './webhook-adapter.js';

const secret = 'whsec_adapter';
let receiver: RecordingServer;
let clock: ManualClock;
beforeEach(async () => {
  receiver = await startRecordingServer();
  clock = new ManualClock(Date.now());
});
afterEach(() => receiver.close());

const message = (url: string): OutgoingMessage => ({
  deliveryId: 'dlv_1',
  profileId: 'prf_1',
  recipient: { channel: 'webhook', url },
  content: { text: 'ignored when json is given', json: { order: 42 } },
  origin: { journeyId: 'jny_1', step: 'notify', template: 'order-shipped', variant: null, category: 'transactional' },
});

describe('WebhookAdapter', () => {
  it('posts the signed JSON envelope with the delivery id as idempotency key; the receiver verifies it', async () => {
    const outcome = await new WebhookAdapter({ secret, clock }).send(message(`${receiver.url}/hook`));
    expect(outcome).toEqual({ kind: 'sent' });
    const [request] = receiver.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/hook');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['idempotency-key']).toBe('dlv_1');
    expect(JSON.parse(request!.body.toString())).toEqual({
      deliveryId: 'dlv_1',
      profileId: 'prf_1',
      journeyId: 'jny_1',
      step: 'notify',
      template: 'order-shipped',
      variant: null,
      category: 'transactional',
      data: { order: 42 },
    });
    const verified = verifyWebhookSignature(
      secret,
      { body: request!.body, timestamp: request!.headers['tessera-timestamp'] as string, signature: request!.headers['tessera-signature'] as string },
      Date.now(),
    );
    expect(verified.ok).toBe(true);
  });

  it('classifies answers: 5xx and 429 transient with Retry-After honoured, 408 transient, other 4xx permanent', async () => {
    const adapter = new WebhookAdapter({ secret, clock });
    receiver.script(
      { status: 503, headers: { 'retry-after': '120' }, body: 'maintenance' },
      { status: 429, headers: { 'retry-after': new Date(clock.now() + 30_000).toUTCString() } },
      { status: 408 },
      { status: 410, body: '{"error":"endpoint removed"}' },
      { status: 302, headers: { location: 'http://169.254.169.254/' } },
    );
    const url = `${receiver.url}/hook`;
    expect(await adapter.send(message(url))).toEqual({ kind: 'transient', reason: 'HTTP 503: maintenance', retryAfterMs: 120_000 });
    const limited = await adapter.send(message(url));
    expect(limited.kind).toBe('transient');
    expect(limited.kind === 'transient' && limited.retryAfterMs).toBeGreaterThan(28_000);
    expect(limited.kind === 'transient' && limited.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(await adapter.send(message(url))).toEqual({ kind: 'transient', reason: 'HTTP 408: {}', retryAfterMs: undefined });
    expect(await adapter.send(message(url))).toEqual({ kind: 'permanent', reason: 'HTTP 410: {"error":"endpoint removed"}' });
    expect(await adapter.send(message(url))).toEqual({ kind: 'permanent', reason: 'HTTP 302: {}' });
    expect(receiver.requests).toHaveLength(5);
  });

  it('counts a receiver that does not answer, or is not there, as transient', async () => {
    const closed = receiver.url;
    await receiver.close();
    const refused = await new WebhookAdapter({ secret, clock }).send(message(`${closed}/hook`));
    expect(refused.kind).toBe('transient');
    expect(refused.kind === 'transient' && refused.reason).toMatch(/^no answer: .*ECONNREFUSED/);
  });
});
