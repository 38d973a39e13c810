import Type, { type Static } from 'typebox';
import { Channel } from './channels.js';
import { IsoTimestamp } from './common.js';

/** An allowed browser origin: `*`, an exact origin, or a wildcard subdomain such as `https://*.example.com`. */
export const OriginPattern = Type.String({
  pattern: '^(\\*|https?://(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?)$',
  description: '`*`, an origin such as https://shop.example.com, or https://*.example.com',
});

export const Source = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    channel: Channel,
    writeKey: Type.String(),
    enabled: Type.Boolean(),
    allowedOrigins: Type.Array(Type.String(), { description: 'Browser origins allowed to send with this key' }),
    previousWriteKeyExpiresAt: Type.Union([IsoTimestamp, Type.Null()], {
      description: 'When the key replaced by the last rotation stops working, if it still works',
    }),
    createdAt: IsoTimestamp,
    updatedAt: IsoTimestamp,
  }
);
export type Source = Static<typeof Source>;

export const SourceCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    channel: Channel,
    allowedOrigins: Type.Optional(Type.Array(OriginPattern, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type SourceCreate = Static<typeof SourceCreate>;

export const SourcePatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    enabled: Type.Optional(Type.Boolean()),
    allowedOrigins: Type.Optional(Type.Array(OriginPattern, { maxItems: 100 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SourcePatch = Static<typeof SourcePatch>;

export const RotateKeyRequest = Type.Object(
  {
    gracePeriodSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 30 * 24 * 3600,
        default: 0,
        description: 'How long the old key keeps working; 0 revokes it at once',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RotateKeyRequest = Static<typeof RotateKeyRequest>;

export const SourceIdParams = Type.Object({ id: Type.String() });
