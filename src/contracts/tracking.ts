/**
 * The Segment / RudderStack HTTP Tracking API payloads, and the normalized
 * message that Tessera appends to its log.
 */
import Type, { type Static } from 'typebox';
import { Channel } from './channels.js';
import { IsoTimestamp, JsonObject, Nullable } from './common.js';

export const messageTypes = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type MessageType = (typeof messageTypes)[number];
export const isMessageType = (value: unknown): value is MessageType =>
  typeof value === 'string' && (messageTypes as readonly string[]).includes(value);

/** Ids may arrive as numbers from some SDKs; they are stored as strings. */
const Id = Type.Union([Type.String({ maxLength: 1024 }), Type.Number()]);

const common = {
  messageId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  userId: Type.Optional(Nullable(Id)),
  anonymousId: Type.Optional(Nullable(Id)),
  timestamp: Type.Optional(Nullable(IsoTimestamp)),
  originalTimestamp: Type.Optional(Nullable(IsoTimestamp)),
  sentAt: Type.Optional(Nullable(IsoTimestamp)),
  context: Type.Optional(Nullable(JsonObject)),
  integrations: Type.Optional(Nullable(JsonObject)),
  writeKey: Type.Optional(Type.String()),
};

const typeField = <T extends MessageType>(type: T) => Type.Optional(Type.Literal(type));

export const IdentifyMessage = Type.Object({
  ...common,
  type: typeField('identify'),
  traits: Type.Optional(Nullable(JsonObject)),
});

export const TrackMessage = Type.Object({
  ...common,
  type: typeField('track'),
  event: Type.String({ minLength: 1, maxLength: 1024 }),
  properties: Type.Optional(Nullable(JsonObject)),
});

const pageLike = <T extends 'page' | 'screen'>(type: T) =>
  Type.Object({
    ...common,
    type: typeField(type),
    name: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
    category: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
    properties: Type.Optional(Nullable(JsonObject)),
  });
export const PageMessage = pageLike('page');
export const ScreenMessage = pageLike('screen');

export const GroupMessage = Type.Object({
  ...common,
  type: typeField('group'),
  groupId: Id,
  traits: Type.Optional(Nullable(JsonObject)),
});

export const AliasMessage = Type.Object({
  ...common,
  type: typeField('alias'),
  previousId: Id,
});

export const messageSchemas = {
  identify: IdentifyMessage,
  track: TrackMessage,
  page: PageMessage,
  screen: ScreenMessage,
  group: GroupMessage,
  alias: AliasMessage,
} as const;

export type IncomingMessage = Static<(typeof messageSchemas)[MessageType]>;

export const BatchRequest = Type.Object({
  batch: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
    description: 'Messages, each with a `type` field',
  }),
  context: Type.Optional(Nullable(JsonObject)),
  integrations: Type.Optional(Nullable(JsonObject)),
  sentAt: Type.Optional(Nullable(IsoTimestamp)),
  writeKey: Type.Optional(Type.String()),
});

export const PlanViolation = Type.Object({
  field: Type.String(),
  rule: Type.String(),
  message: Type.String(),
});
export type PlanViolation = Static<typeof PlanViolation>;

/**
 * A message as appended to the log: validated, ids as strings, batch context
 * merged, clock skew corrected. `v` versions the shape for replays.
 */
export const CollectedMessage = Type.Object({
  v: Type.Literal(1),
  messageId: Type.String(),
  type: Type.Enum(messageTypes),
  sourceId: Type.String(),
  channel: Channel,
  userId: Type.Optional(Type.String()),
  anonymousId: Type.Optional(Type.String()),
  groupId: Type.Optional(Type.String()),
  previousId: Type.Optional(Type.String()),
  event: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  category: Type.Optional(Type.String()),
  properties: Type.Optional(JsonObject),
  traits: Type.Optional(JsonObject),
  context: JsonObject,
  integrations: Type.Optional(JsonObject),
  timestamp: IsoTimestamp,
  originalTimestamp: Type.Optional(IsoTimestamp),
  sentAt: Type.Optional(IsoTimestamp),
  receivedAt: IsoTimestamp,
  violations: Type.Optional(Type.Array(PlanViolation)),
});
export type CollectedMessage = Static<typeof CollectedMessage>;

export const TrackingResponse = Type.Object({
  success: Type.Boolean(),
  accepted: Type.Integer({ description: 'Messages newly stored' }),
  duplicates: Type.Integer({ description: 'Messages already stored before (same source and messageId)' }),
  rejected: Type.Integer({ description: 'Messages kept in the rejection store instead' }),
  rejections: Type.Optional(
    Type.Array(
      Type.Object({
        index: Type.Integer(),
        messageId: Type.Optional(Type.String()),
        problems: Type.Array(PlanViolation),
      }),
    ),
  ),
});
export type TrackingResponse = Static<typeof TrackingResponse>;

/**
 * Messages Tessera writes itself (Segment Entered, Segment Exited, ...) say
 * whom they are about under this key of `context`: identifier keys
 * (`type:value`) of the profile. Collect removes the key from every message it
 * receives, so no client can speak for Tessera.
 */
export const internalContextKey = 'tessera';

export interface InternalContext {
  readonly identifiers: readonly string[];
  /** A probabilistic match joining the identifiers' profiles (profiles/profile-matching.ts). */
  readonly match?: MatchEdge;
}

/** Which matched pair a "Profiles Matched" message links, and how probable the match was. */
export interface MatchEdge {
  readonly pairId: string;
  readonly probability: number;
}

/** The internal addressing of a message Tessera wrote, or undefined for any other message. */
export function internalContextOf(message: CollectedMessage): InternalContext | undefined {
  const value = message.context[internalContextKey] as { identifiers?: unknown; match?: { pairId?: unknown; probability?: unknown } } | undefined;
  if (value === undefined || value === null || typeof value !== 'object' || !Array.isArray(value.identifiers)) return undefined;
  const identifiers = value.identifiers.filter((k): k is string => typeof k === 'string');
  const match = value.match;
  if (typeof match?.pairId === 'string' && typeof match.probability === 'number') return { identifiers, match: { pairId: match.pairId, probability: match.probability } };
  return { identifiers };
}
