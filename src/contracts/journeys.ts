/**
 * Journeys: versioned JSON documents describing how Tessera reacts to a person
 * over time and across channels. Conditions (branches, exits, entry filters)
 * use the segment language, in text or JSON form.
 */
import Type, { type Static } from 'typebox';
import { ConditionInput, Span } from './segments.js';

export const journeyChannels = ['email', 'sms', 'push', 'in_app', 'webhook'] as const;
export type JourneyChannel = (typeof journeyChannels)[number];
export const messageCategories = ['marketing', 'transactional'] as const;
export type MessageCategory = (typeof messageCategories)[number];

const StepId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'A step id: letters, digits, _ and -' });
const Filters = Type.Optional(
  Type.Union([Type.String({ description: 'Property filters in the segment language, e.g. total > 50' }), Type.Array(Type.Unknown())]),
);

export const EventTrigger = Type.Object(
  { event: Type.String({ minLength: 1 }), where: Filters },
  { additionalProperties: false },
);
export type EventTrigger = Static<typeof EventTrigger>;

export const JourneyEntry = Type.Union([
  Type.Object({ kind: Type.Literal('event'), event: Type.String({ minLength: 1 }), where: Filters }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('segment'), segment: Type.String({ minLength: 1 }), on: Type.Enum(['enter', 'exit'] as const) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('schedule'),
      segment: Type.String({ minLength: 1, description: 'Who is entered: the members of this segment' }),
      at: Type.Optional(Type.String({ description: 'Once, at this ISO time' })),
      every: Type.Optional(Span),
      dateTrait: Type.Optional(Type.String({ description: 'Each year on the month and day of this date trait (e.g. birthday)' })),
      localTime: Type.Optional(Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'Local time of day, in the person\'s time zone' })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('api') }, { additionalProperties: false }),
]);
export type JourneyEntry = Static<typeof JourneyEntry>;

export const EntryRules = Type.Object(
  {
    reentry: Type.Optional(Type.Enum(['never', 'after_exit', 'always'] as const, { description: 'Default after_exit: again once the previous visit ended' })),
    cooldown: Type.Optional(Span),
    maxEntries: Type.Optional(Type.Integer({ minimum: 1 })),
    segment: Type.Optional(Type.String({ description: 'Only members of this segment enter' })),
  },
  { additionalProperties: false },
);

const next = StepId;
export const webhookMethods = ['POST', 'PUT', 'PATCH'] as const;
export const webhookStatusClasses = ['2xx', '3xx', '4xx', '5xx'] as const;
export const stepSchemas = {
  wait: Type.Object({ type: Type.Literal('wait'), duration: Span, next }, { additionalProperties: false }),
  waitUntil: Type.Object(
    {
      type: Type.Literal('waitUntil'),
      dateTrait: Type.Optional(Type.String({ description: 'Until the date in this trait' })),
      localTime: Type.Optional(Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' })),
      weekdays: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, description: '1 = Monday ... 7 = Sunday' })),
      next,
    },
    { additionalProperties: false },
  ),
  waitForEvent: Type.Object(
    {
      type: Type.Literal('waitForEvent'),
      event: Type.String({ minLength: 1 }),
      where: Filters,
      correlate: Type.Optional(
        Type.Record(Type.String(), Type.String(), { description: 'Property of the awaited event -> property of the entry event that must be equal (e.g. cart_id)' }),
      ),
      timeout: Span,
      onEvent: next,
      onTimeout: next,
    },
    { additionalProperties: false },
  ),
  branch: Type.Object(
    {
      type: Type.Literal('branch'),
      branches: Type.Array(Type.Object({ condition: ConditionInput, next }, { additionalProperties: false }), { minItems: 1 }),
      else: next,
    },
    { additionalProperties: false },
  ),
  split: Type.Object(
    {
      type: Type.Literal('split'),
      variants: Type.Array(Type.Object({ name: Type.String({ minLength: 1 }), weight: Type.Number({ exclusiveMinimum: 0 }), next }, { additionalProperties: false }), {
        minItems: 2,
      }),
    },
    { additionalProperties: false },
  ),
  holdout: Type.Object(
    { type: Type.Literal('holdout'), percent: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 100 }), next },
    { additionalProperties: false },
  ),
  send: Type.Object(
    {
      type: Type.Literal('send'),
      channel: Type.Union([Type.Enum(journeyChannels), Type.Literal('best'), Type.Array(Type.Enum(journeyChannels), { minItems: 1, description: 'Fallback order' })]),
      template: Type.String({ minLength: 1 }),
      category: Type.Enum(messageCategories),
      next,
    },
    { additionalProperties: false },
  ),
  updateProfile: Type.Object(
    {
      type: Type.Literal('updateProfile'),
      set: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      increment: Type.Optional(Type.Record(Type.String(), Type.Number())),
      next,
    },
    { additionalProperties: false },
  ),
  webhook: Type.Object(
    {
      type: Type.Literal('webhook'),
      url: Type.String({ pattern: '^https?://', description: 'A template (LiquidJS), like the body' }),
      method: Type.Optional(Type.Enum(webhookMethods, { description: 'Default POST' })),
      headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Sent as they are; content-type defaults to application/json' })),
      body: Type.Optional(
        Type.String({ description: 'A template (LiquidJS) over profile, traits, event (the entry event) and journey, e.g. {"email": {{ traits.email | json }}}' }),
      ),
      timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, description: 'Per attempt; default 10' })),
      retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: 'Retries of a transient failure (no answer, 408, 429, 5xx), with backoff; default 3' })),
      next: Type.Optional(next),
      onResponse: Type.Optional(
        Type.Object(
          {
            branches: Type.Array(
              Type.Object(
                {
                  status: Type.Optional(
                    Type.Union([Type.Enum(webhookStatusClasses), Type.Integer({ minimum: 100, maximum: 599 })], { description: 'Default 2xx' }),
                  ),
                  condition: Type.Optional(ConditionInput),
                  next,
                },
                { additionalProperties: false },
              ),
              { minItems: 1 },
            ),
            else: next,
          },
          { additionalProperties: false, description: 'Waits for the answer; the first branch whose status and condition (over trait.response.status and trait.response.body.<field>) hold is taken' },
        ),
      ),
      onFailure: Type.Optional(next),
    },
    { additionalProperties: false },
  ),
  jump: Type.Object({ type: Type.Literal('jump'), journey: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  exit: Type.Object({ type: Type.Literal('exit') }, { additionalProperties: false }),
} as const;
export type StepType = keyof typeof stepSchemas;
export type Step = { [K in StepType]: Static<(typeof stepSchemas)[K]> }[StepType];

export const JourneyDefinition = Type.Object(
  {
    entry: JourneyEntry,
    rules: Type.Optional(EntryRules),
    exit: Type.Optional(
      Type.Array(
        Type.Union([
          Type.Object({ kind: Type.Literal('event'), event: Type.String({ minLength: 1 }), where: Filters }, { additionalProperties: false }),
          Type.Object({ kind: Type.Literal('condition'), condition: ConditionInput }, { additionalProperties: false }),
        ]),
      ),
    ),
    goal: Type.Optional(Type.Object({ event: Type.String({ minLength: 1 }), where: Filters, within: Span }, { additionalProperties: false })),
    start: StepId,
    steps: Type.Record(StepId, Type.Record(Type.String(), Type.Unknown()), { description: 'Steps by id; each has a `type`' }),
  },
  { additionalProperties: false },
);
export type JourneyDefinition = Static<typeof JourneyDefinition>;

export const journeyStatuses = ['draft', 'live', 'paused', 'stopped'] as const;
export type JourneyStatus = (typeof journeyStatuses)[number];

export const JourneyCreate = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), definition: JourneyDefinition }, { additionalProperties: false });
export type JourneyCreate = Static<typeof JourneyCreate>;

export const JourneyPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    definition: Type.Optional(JourneyDefinition),
    migrate: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'On publishing a new version: old step -> new step for people already inside' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type JourneyPatch = Static<typeof JourneyPatch>;
