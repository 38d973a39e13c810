import Type, { type Static } from 'typebox';
import { IsoTimestamp } from './common.js';

export const DeadLetterView = Type.Object({
  deliveryId: Type.String(),
  url: Type.String(),
  profileId: Type.String(),
  journeyId: Type.Union([Type.String(), Type.Null()]),
  step: Type.Union([Type.String(), Type.Null()]),
  template: Type.String(),
  reason: Type.String({ description: 'Why the last attempt failed' }),
  attempts: Type.Integer(),
  failedAt: IsoTimestamp,
});
export type DeadLetterView = Static<typeof DeadLetterView>;

export const DeadLetterList = Type.Object({ deadLetters: Type.Array(DeadLetterView) });
export const DeadLetterQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
  { additionalProperties: false },
);
export const DeadLetterParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
