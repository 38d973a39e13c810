/**
 * The one interface every delivery channel implements. The dispatcher hands an
 * adapter a fully rendered message for one recipient and gets back what
 * happened, classified so it knows whether to retry: adapters never retry or
 * sleep themselves, and never throw for a provider's answer.
 */
import type { JourneyChannel, MessageCategory } from '../contracts/index.js';

/** Where a message goes, per channel: what the profile's identifiers (or subscriptions) supply. */
export type Recipient =
  | { readonly channel: 'email'; readonly email: string }
  | { readonly channel: 'sms'; readonly phone: string }
  | { readonly channel: 'push'; readonly subscription: PushSubscription }
  | { readonly channel: 'in_app'; readonly profileId: string }
  | { readonly channel: 'webhook'; readonly url: string };

export interface PushSubscription {
  readonly id: string;
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

/** Content after template rendering; which fields a channel reads is the adapter's business. */
export interface RenderedContent {
  readonly subject?: string | undefined;
  /** Email: a sender for this message (a brand's identity) instead of the channel's. */
  readonly from?: { readonly address: string; readonly name?: string | undefined } | undefined;
  readonly text: string;
  readonly html?: string | undefined;
  /** Push and in-app: a title and where a tap goes. */
  readonly title?: string | undefined;
  readonly url?: string | undefined;
  /** Webhook: the JSON body. */
  readonly json?: unknown;
}

/** Journey context carried on every engagement event of this message. */
export interface MessageOrigin {
  readonly journeyId: string | null;
  readonly step: string | null;
  readonly template: string;
  readonly variant: string | null;
  readonly category: MessageCategory;
}

export interface OutgoingMessage {
  /** The outbox entry's id: stable across retries and restarts, used as the provider's idempotency key. */
  readonly deliveryId: string;
  readonly profileId: string;
  readonly recipient: Recipient;
  readonly content: RenderedContent;
  readonly origin: MessageOrigin;
  /** Unsubscribe link and one-click POST target for this message (email headers, SMS footers). */
  readonly unsubscribeUrl?: string | undefined;
}

export type DeliveryOutcome =
  | { readonly kind: 'sent'; readonly providerMessageId?: string | undefined }
  /** Worth trying again later (timeouts, 429, 5xx, 4xx SMTP replies). */
  | { readonly kind: 'transient'; readonly reason: string; readonly retryAfterMs?: number | undefined }
  /**
   * Never worth retrying. `bounce: 'hard'` suppresses the address; `gone`
   * removes a push subscription (404/410); `complaint` is a spam report.
   */
  | { readonly kind: 'permanent'; readonly reason: string; readonly bounce?: 'hard' | 'complaint' | 'gone' | undefined };

export interface ChannelAdapter {
  readonly channel: JourneyChannel;
  /** Provider name for rate limits and logs, e.g. "smtp", "twilio". */
  readonly provider: string;
  /**
   * The provider drops a second message with the same idempotency key
   * (`deliveryId`). Only then is an attempt cut short by a crash made again;
   * otherwise whether it went out is unknown and it is recorded as failed.
   */
  readonly idempotent?: boolean;
  send(message: OutgoingMessage): Promise<DeliveryOutcome>;
  close(): Promise<void>;
}
