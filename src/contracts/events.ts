import Type, { type Static } from 'typebox';
import { Channel } from './channels.js';
import { IsoTimestamp, JsonObject, PageQuery } from './common.js';
import { PlanViolation, messageTypes } from './tracking.js';

const MessageTypeLiteral = Type.Enum(messageTypes);
const NullableString = Type.Union([Type.String(), Type.Null()]);

/** An event as held by the event store and listed by the API. */
export const StoredEvent = Type.Object(
  {
    offset: Type.Integer({ description: 'Position in the log; unique per event' }),
    messageId: Type.String(),
    sourceId: Type.String(),
    channel: Channel,
    type: MessageTypeLiteral,
    event: Type.Union([Type.String(), Type.Null()], { description: 'Track event name, or page/screen name' }),
    category: NullableString,
    userId: NullableString,
    anonymousId: NullableString,
    groupId: NullableString,
    previousId: NullableString,
    properties: JsonObject,
    traits: JsonObject,
    context: JsonObject,
    timestamp: IsoTimestamp,
    originalTimestamp: Type.Union([IsoTimestamp, Type.Null()]),
    sentAt: Type.Union([IsoTimestamp, Type.Null()]),
    receivedAt: IsoTimestamp,
    violations: Type.Array(PlanViolation),
  }
);
export type StoredEvent = Static<typeof StoredEvent>;

export const EventsQuery = Type.Object({
  sourceId: Type.Optional(Type.String()),
  type: Type.Optional(MessageTypeLiteral),
  event: Type.Optional(Type.String()),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'Only events at or after this time' })),
  ...PageQuery,
});
export type EventsQuery = Static<typeof EventsQuery>;

export const EventsPage = Type.Object({
  events: Type.Array(StoredEvent),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type EventsPage = Static<typeof EventsPage>;
