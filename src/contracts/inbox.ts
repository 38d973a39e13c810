import Type, { type Static } from 'typebox';
import { IsoTimestamp } from './common.js';

export const InboxQuery = Type.Object(
  {
    userId: Type.String({ minLength: 1, maxLength: 1000, description: 'Whose inbox' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export type InboxQuery = Static<typeof InboxQuery>;

export const InboxMessageView = Type.Object({
  id: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
  body: Type.String(),
  url: Type.Union([Type.String(), Type.Null()]),
  journeyId: Type.Union([Type.String(), Type.Null()]),
  template: Type.String(),
  createdAt: IsoTimestamp,
  readAt: Type.Union([IsoTimestamp, Type.Null()]),
});
export type InboxMessageView = Static<typeof InboxMessageView>;

export const InboxList = Type.Object({ messages: Type.Array(InboxMessageView), unread: Type.Integer({ description: 'Unread messages in all, listed or not' }) });

export const InboxReadParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export const InboxReadBody = Type.Object(
  { userId: Type.String({ minLength: 1, maxLength: 1000, description: 'Whose message it is' }) },
  { additionalProperties: false },
);
