import Type, { type Static } from 'typebox';
import { FieldProblem, IsoTimestamp, PageQuery } from './common.js';

/** A message that was not accepted, kept with the reasons instead of vanishing. */
export const Rejection = Type.Object({
  id: Type.Integer(),
  sourceId: Type.String(),
  receivedAt: IsoTimestamp,
  messageId: Type.Union([Type.String(), Type.Null()]),
  problems: Type.Array(FieldProblem),
  message: Type.Unknown({ description: 'The message as it was received' }),
});
export type Rejection = Static<typeof Rejection>;

export const RejectionsQuery = Type.Object({ ...PageQuery });
export type RejectionsQuery = Static<typeof RejectionsQuery>;

export const RejectionsPage = Type.Object({
  rejections: Type.Array(Rejection),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type RejectionsPage = Static<typeof RejectionsPage>;
