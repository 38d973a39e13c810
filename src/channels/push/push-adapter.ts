import webpush from 'web-push';
import type { Clock } from '../../lib/clock.js';
import type { PushSubscriptionStore } from '../../store/index.js';
import type { ChannelAdapter, DeliveryOutcome, OutgoingMessage } from '../adapter.js';
import { bodyExcerpt, failureOutcome, networkFailure } from '../webhook/http-outcome.js';
import type { VapidKeys } from './vapid-keys.js';

export interface WebPushAdapterOptions {
  readonly vapid: VapidKeys;
  readonly subscriptions: Pick<PushSubscriptionStore, 'remove'>;
  readonly clock: Clock;
  /** How long the push service keeps a message for an offline browser, in seconds. */
  readonly ttlSeconds?: number;
  readonly timeoutMs?: number;
}

/** What the service worker receives (decrypted) in its `push` event. */
export interface PushPayload {
  readonly title: string;
  readonly body: string;
  readonly url: string | null;
  readonly deliveryId: string;
}

export const pushPayloadOf = (message: OutgoingMessage): PushPayload => ({
  title: message.content.title ?? message.content.subject ?? '',
  body: message.content.text,
  url: message.content.url ?? null,
  deliveryId: message.deliveryId,
});

/**
 * Web push (RFC 8030) with VAPID (RFC 8292): web-push encrypts the payload
 * for the browser's keys (aes128gcm, RFC 8291) and signs the request; the
 * request itself goes out here, so its answer is classified like any HTTP
 * provider's. A 404 or 410 means the browser unsubscribed: the subscription is
 * forgotten and the outcome is permanent, `gone`.
 */
export class WebPushAdapter implements ChannelAdapter {
  readonly channel = 'push' as const;
  readonly provider = 'webpush';
  readonly #o: WebPushAdapterOptions;

  constructor(options: WebPushAdapterOptions) {
    this.#o = options;
  }

  async send(message: OutgoingMessage): Promise<DeliveryOutcome> {
    if (message.recipient.channel !== 'push') return { kind: 'permanent', reason: `push cannot reach a ${message.recipient.channel} recipient` };
    const { subscription } = message.recipient;
    const { vapid } = this.#o;
    let request: webpush.RequestDetails;
    try {
      request = webpush.generateRequestDetails(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.keys.p256dh, auth: subscription.keys.auth } },
        JSON.stringify(pushPayloadOf(message)),
        {
          vapidDetails: { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
          contentEncoding: 'aes128gcm',
          TTL: this.#o.ttlSeconds ?? 86_400,
        },
      );
    } catch (error) {
      // Keys the browser never could have made (wrong length, not on the curve): no retry will help.
      return { kind: 'permanent', reason: `cannot encrypt for this subscription: ${(error as Error).message}` };
    }
    let response: Response;
    try {
      response = await fetch(request.endpoint, {
        method: request.method,
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 10_000),
      });
    } catch (error) {
      return networkFailure(error);
    }
    if (response.ok) {
      await response.body?.cancel();
      return { kind: 'sent', providerMessageId: response.headers.get('location') ?? undefined };
    }
    const detail = await bodyExcerpt(response);
    if (response.status === 404 || response.status === 410) {
      await this.#o.subscriptions.remove(subscription.id);
      return { kind: 'permanent', reason: `HTTP ${response.status}: the subscription has expired or was withdrawn`, bounce: 'gone' };
    }
    return failureOutcome(response.status, response.headers.get('retry-after'), this.#o.clock.now(), detail);
  }

  async close(): Promise<void> {}
}
