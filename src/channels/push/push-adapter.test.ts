import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { browserKeys } from '../../../test/helpers/push-browser.js';
import { startRecordingServer, type RecordingServer } from '../../../test/helpers/recording-server.js';
import { ManualClock } from '../../lib/clock.js';
import type { OutgoingMessage } from '../adapter.js';
import { WebPushAdapter } from './push-adapter.js';

let pushService: RecordingServer;
beforeEach(async () => {
  pushService = await startRecordingServer({ status: 201, headers: { location: '/m/1' } });
});
afterEach(() => pushService.close());

const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@example.com' };

function setup() {
  const removed: string[] = [];
  const adapter = new WebPushAdapter({ vapid, subscriptions: { remove: async (id) => (removed.push(id), true) }, clock: new ManualClock() });
  const browser = browserKeys();
  const message: OutgoingMessage = {
    deliveryId: 'dlv_push',
    profileId: 'prf_1',
    recipient: { channel: 'push', subscription: { id: 'sub_1', endpoint: `${pushService.url}/push/abc`, keys: browser.keys } },
    content: { title: 'Your cart misses you', text: 'Free shipping today', url: 'https://shop.example/cart' },
    origin: { journeyId: 'jny_1', step: 'nudge', template: 'cart', variant: null, category: 'marketing' },
  };
  return { adapter, browser, message, removed };
}

describe('WebPushAdapter', () => {
  it('sends a VAPID-signed aes128gcm message that only the browser keys decrypt', async () => {
    const { adapter, browser, message } = setup();
    expect(await adapter.send(message)).toEqual({ kind: 'sent', providerMessageId: '/m/1' });
    const [request] = pushService.requests;
    expect(request?.url).toBe('/push/abc');
    expect(request?.headers['content-encoding']).toBe('aes128gcm');
    expect(request?.headers.ttl).toBe('86400');
    expect(request?.headers.authorization).toMatch(new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${vapid.publicKey}$`));
    expect(request!.body.includes(Buffer.from('Free shipping'))).toBe(false);
    expect(JSON.parse(browser.decrypt(request!.body))).toEqual({
      title: 'Your cart misses you',
      body: 'Free shipping today',
      url: 'https://shop.example/cart',
      deliveryId: 'dlv_push',
    });
    expect(() => browserKeys().decrypt(request!.body)).toThrow();
  });

  it('forgets a subscription the push service says is gone (410, 404): permanent, bounce gone', async () => {
    const { adapter, message, removed } = setup();
    pushService.script({ status: 410 }, { status: 404 });
    expect(await adapter.send(message)).toEqual({ kind: 'permanent', reason: 'HTTP 410: the subscription has expired or was withdrawn', bounce: 'gone' });
    expect(await adapter.send(message)).toMatchObject({ kind: 'permanent', bounce: 'gone' });
    expect(removed).toEqual(['sub_1', 'sub_1']);
  });

  it('retries later on 429 and 5xx (after Retry-After), gives up on other answers, keeping the subscription', async () => {
    const { adapter, message, removed } = setup();
    pushService.script({ status: 429, headers: { 'retry-after': '60' } }, { status: 502 }, { status: 413, body: 'too big' });
    expect(await adapter.send(message)).toEqual({ kind: 'transient', reason: 'HTTP 429: {}', retryAfterMs: 60_000 });
    expect(await adapter.send(message)).toMatchObject({ kind: 'transient' });
    expect(await adapter.send(message)).toEqual({ kind: 'permanent', reason: 'HTTP 413: too big' });
    expect(removed).toEqual([]);
  });
});
