/**
 * Delivery: how journey sends reach people. Channel configuration (secrets are
 * write-only), the state of each outbox entry, and the engagement events that
 * come back on the profile's timeline.
 */
import Type, { type Static } from 'typebox';
import { IsoTimestamp, JsonObject } from './common.js';
import { journeyChannels, messageCategories } from './journeys.js';

export const engagementEvents = [
  'Message Sent',
  'Message Delivered',
  'Message Opened',
  'Message Clicked',
  'Message Bounced',
  'Message Complained',
  'Message Failed',
  'Unsubscribed',
] as const;
export type EngagementEvent = (typeof engagementEvents)[number];

export const ChannelParams = Type.Object({ channel: Type.Enum(journeyChannels) });

export const RateLimit = Type.Object(
  {
    perSecond: Type.Number({ exclusiveMinimum: 0, maximum: 100_000, description: 'Sustained messages per second to the provider' }),
    burst: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Messages that may go at once; default: one second\'s worth' })),
  },
  { additionalProperties: false },
);
export type RateLimit = Static<typeof RateLimit>;

export const ChannelConfigInput = Type.Object(
  {
    settings: JsonObject,
    rateLimit: Type.Optional(RateLimit),
  },
  { additionalProperties: false, description: "The channel's settings (see the README per channel); secrets in them are never returned" },
);
export type ChannelConfigInput = Static<typeof ChannelConfigInput>;

export const ChannelConfigView = Type.Object({
  channel: Type.Enum(journeyChannels),
  provider: Type.String(),
  source: Type.Enum(['api', 'environment'] as const),
  settings: Type.Record(Type.String(), Type.Unknown(), { description: 'With every secret replaced by ********' }),
  rateLimit: Type.Union([RateLimit, Type.Null()]),
  updatedAt: Type.Union([IsoTimestamp, Type.Null()]),
});
export type ChannelConfigView = Static<typeof ChannelConfigView>;
export const ChannelConfigList = Type.Object({ channels: Type.Array(ChannelConfigView) });

/** Email over SMTP: `PUT /api/v1/channels/email` settings. */
export const EmailSettings = Type.Object(
  {
    smtpUrl: Type.String({
      pattern: '^smtps?://',
      description: 'smtp://user:pass@host:port (STARTTLS when offered) or smtps:// (TLS from the start); the password is never returned',
    }),
    fromAddress: Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', description: 'Sender address' }),
    fromName: Type.Optional(Type.String({ maxLength: 200, description: 'Sender display name' })),
    replyTo: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$' })),
  },
  { additionalProperties: false },
);
export type EmailSettings = Static<typeof EmailSettings>;

export const deliveryStatuses = ['queued', 'sending', 'sent', 'failed', 'suppressed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export const DeliveryView = Type.Object({
  id: Type.String({ description: "The journey send's idempotency key" }),
  profileId: Type.String(),
  journeyId: Type.String(),
  step: Type.String(),
  channel: Type.Enum(journeyChannels),
  category: Type.Enum(messageCategories),
  template: Type.String(),
  variant: Type.Union([Type.String(), Type.Null()]),
  status: Type.Enum(deliveryStatuses),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([IsoTimestamp, Type.Null()]),
  recipient: Type.Union([Type.String(), Type.Null()]),
  provider: Type.Union([Type.String(), Type.Null()]),
  providerMessageId: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
});
export type DeliveryView = Static<typeof DeliveryView>;

export const DeliveriesQuery = Type.Object(
  {
    profileId: Type.Optional(Type.String()),
    status: Type.Optional(Type.Enum(deliveryStatuses)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
export type DeliveriesQuery = Static<typeof DeliveriesQuery>;
export const DeliveryList = Type.Object({ deliveries: Type.Array(DeliveryView) });
