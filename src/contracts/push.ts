import Type, { type Static } from 'typebox';

const base64url = (description: string, bytes: number) =>
  Type.String({ pattern: '^[A-Za-z0-9_-]+={0,2}$', minLength: Math.floor((bytes * 4) / 3), maxLength: Math.ceil(bytes / 3) * 4, description });

/** A browser's PushSubscription, as `subscription.toJSON()` gives it. */
export const BrowserPushSubscription = Type.Object({
  endpoint: Type.String({ pattern: '^https?://', maxLength: 2048, description: "The push service URL of this browser's subscription" }),
  expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  keys: Type.Object({
    p256dh: base64url('The P-256 public key of the browser, base64url (65 bytes)', 65),
    auth: base64url('The auth secret of the browser, base64url (16 bytes)', 16),
  }),
});

export const PushSubscriptionCreate = Type.Object(
  {
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    subscription: BrowserPushSubscription,
  },
  { additionalProperties: false, description: 'Who subscribed (userId or anonymousId) and the subscription' },
);
export type PushSubscriptionCreate = Static<typeof PushSubscriptionCreate>;

export const PushSubscriptionCreated = Type.Object({
  id: Type.String({ description: 'The value of the push_subscription identifier now linked to the profile' }),
});

export const VapidPublicKey = Type.Object({
  publicKey: Type.String({ description: 'The applicationServerKey to subscribe with (base64url)' }),
});
