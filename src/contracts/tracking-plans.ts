import Type, { type Static } from 'typebox';
import { FieldProblem, IsoTimestamp, JsonObject } from './common.js';

const JsonSchemaDocument = Type.Unsafe<Record<string, unknown>>({
  ...JsonObject,
  description: 'A JSON Schema (draft-07 or 2019-09) for the object',
});

export const trackingPlanModes = ['flag', 'block'] as const;
export type TrackingPlanMode = (typeof trackingPlanModes)[number];

/**
 * A source's tracking plan: the track events it may send (an allow-list), each
 * with an optional schema for `properties`, and optional schemas for identify
 * and group traits. `flag` accepts and marks violations; `block` rejects them.
 */
export const TrackingPlan = Type.Object(
  {
    mode: Type.Enum(trackingPlanModes),
    events: Type.Record(
      Type.String({ minLength: 1 }),
      Type.Object({ properties: Type.Optional(JsonSchemaDocument) }, { additionalProperties: false }),
      { description: 'Allowed track event names; any other name is a violation' },
    ),
    identify: Type.Optional(Type.Object({ traits: JsonSchemaDocument }, { additionalProperties: false })),
    group: Type.Optional(Type.Object({ traits: JsonSchemaDocument }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type TrackingPlan = Static<typeof TrackingPlan>;

export const ViolationCount = Type.Object({
  type: Type.String(),
  event: Type.Union([Type.String(), Type.Null()]),
  count: Type.Integer(),
  lastSeenAt: IsoTimestamp,
  lastProblem: FieldProblem,
});
export type ViolationCount = Static<typeof ViolationCount>;
