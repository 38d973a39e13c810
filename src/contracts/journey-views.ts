import Type, { type Static } from 'typebox';
import { JourneyDefinition, journeyStatuses } from './journeys.js';

export const JourneyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Type.Enum(journeyStatuses),
  liveVersion: Type.Union([Type.Integer(), Type.Null()]),
  latestVersion: Type.Integer(),
  definition: JourneyDefinition,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type JourneyView = Static<typeof JourneyView>;

export const HistoryEntryOfInstance = Type.Object({ at: Type.String(), step: Type.Union([Type.String(), Type.Null()]), kind: Type.String(), detail: Type.String() });

export const InstanceView = Type.Object({
  id: Type.String(),
  journeyId: Type.String(),
  journey: Type.String(),
  version: Type.Integer(),
  status: Type.String(),
  step: Type.Union([Type.String(), Type.Null()]),
  variant: Type.Union([Type.String(), Type.Null()]),
  holdout: Type.Boolean(),
  converted: Type.Boolean(),
  wakeAt: Type.Union([Type.String(), Type.Null()]),
  enteredAt: Type.String(),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  exitReason: Type.Union([Type.String(), Type.Null()]),
  history: Type.Array(HistoryEntryOfInstance),
});
export type InstanceView = Static<typeof InstanceView>;

const rate = Type.Union([Type.Number(), Type.Null()], { description: 'converted / entered, null when nobody entered' });
export const JourneyStatsView = Type.Object({
  entered: Type.Integer(),
  active: Type.Integer(),
  completed: Type.Integer(),
  exited: Type.Integer(),
  converted: Type.Integer(),
  conversionRate: rate,
  steps: Type.Array(
    Type.Object({ step: Type.String(), variant: Type.Union([Type.String(), Type.Null()]), arrived: Type.Integer(), here: Type.Integer(), converted: Type.Integer(), conversionRate: rate }),
  ),
  variants: Type.Array(Type.Object({ variant: Type.String(), entered: Type.Integer(), converted: Type.Integer(), conversionRate: rate })),
});

export const SimulateRequest = Type.Object(
  {
    profileId: Type.Optional(Type.String({ description: 'A real profile; or describe one with `profile`' })),
    profile: Type.Optional(
      Type.Object(
        {
          traits: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          consent: Type.Optional(Type.Record(Type.String(), Type.Enum(['granted', 'denied'] as const), { description: 'channel:purpose -> state' })),
          identifiers: Type.Optional(Type.Array(Type.String(), { description: 'Identifier types the person has, e.g. email, phone' })),
          segments: Type.Optional(Type.Array(Type.String())),
          timeZone: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    events: Type.Optional(
      Type.Array(
        Type.Object({ event: Type.String({ minLength: 1 }), properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())), timestamp: Type.String() }, { additionalProperties: false }),
      ),
    ),
    start: Type.Optional(Type.String({ description: 'When the simulation starts (ISO); default the first event, else now' })),
    until: Type.Optional(Type.String({ description: 'When it stops (ISO); default 90 days after the start' })),
  },
  { additionalProperties: false },
);
export type SimulateRequest = Static<typeof SimulateRequest>;

export const SimulateResponse = Type.Object({
  entered: Type.Boolean(),
  path: Type.Array(HistoryEntryOfInstance),
  messages: Type.Array(Type.Object({ at: Type.String(), step: Type.String(), channel: Type.String(), template: Type.String(), category: Type.String() })),
  final: Type.Object({ status: Type.String(), step: Type.Union([Type.String(), Type.Null()]) }),
});
export type SimulateResponse = Static<typeof SimulateResponse>;

