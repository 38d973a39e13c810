/**
 * The segment condition language, JSON form. The text form (segments/parser.ts)
 * parses to exactly this tree. Each node kind has its own schema with child
 * conditions left open, so validation (segments/check.ts) walks the tree and
 * reports every problem at its path.
 */
import Type, { type Static } from 'typebox';
import { channels, type Channel } from './channels.js';
import { consentChannels, consentPurposes, type ConsentChannel, type ConsentPurpose } from './consent.js';

export const timeUnits = ['minutes', 'hours', 'days'] as const;
export type TimeUnit = (typeof timeUnits)[number];

export const Span = Type.Object(
  { amount: Type.Integer({ minimum: 1, maximum: 100_000 }), unit: Type.Enum(timeUnits) },
  { additionalProperties: false },
);
export type Span = Static<typeof Span>;

export const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
export type Scalar = Static<typeof Scalar>;

export const comparisonOps = ['=', '!=', '<', '<=', '>', '>='] as const;
export type ComparisonOp = (typeof comparisonOps)[number];

const comparison = Type.Object({ op: Type.Enum(comparisonOps), value: Scalar }, { additionalProperties: false });
const textTest = Type.Object({ op: Type.Enum(['contains', 'starts_with'] as const), value: Type.String() }, { additionalProperties: false });

/** Each value test by its `op`, so a test is checked against its own schema only. */
export const valueTestSchemas = {
  ...Object.fromEntries(comparisonOps.map((op) => [op, comparison])),
  in: Type.Object({ op: Type.Literal('in'), values: Type.Array(Scalar, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
  contains: textTest,
  starts_with: textTest,
  exists: Type.Object({ op: Type.Literal('exists') }, { additionalProperties: false }),
  between: Type.Object({ op: Type.Literal('between'), low: Scalar, high: Scalar }, { additionalProperties: false }),
  within_last: Type.Object({ op: Type.Literal('within_last'), span: Span }, { additionalProperties: false }),
  birthday_in: Type.Object({ op: Type.Literal('birthday_in'), days: Type.Integer({ minimum: 0, maximum: 366 }) }, { additionalProperties: false }),
} as const;
export const valueTestOps = Object.keys(valueTestSchemas);

/** A test on one value (a trait, or an event property). */
export type ValueTest =
  | Static<typeof comparison>
  | Static<(typeof valueTestSchemas)['in']>
  | Static<typeof textTest>
  | Static<(typeof valueTestSchemas)['exists']>
  | Static<(typeof valueTestSchemas)['between']>
  | Static<(typeof valueTestSchemas)['within_last']>
  | Static<(typeof valueTestSchemas)['birthday_in']>;

export interface PropertyTest {
  /** A property name; dots go into nested objects. */
  readonly property: string;
  readonly test: ValueTest;
}

export interface EventMatch {
  readonly event: string;
  readonly where: readonly PropertyTest[];
}

// Node schemas leave value tests and child conditions open: the walk in segments/check.ts checks them in place.
const Test = Type.Unknown({ description: 'A value test: {op, ...}' });
const PropertyTestSlot = Type.Object(
  { property: Type.String({ minLength: 1, maxLength: 200 }), test: Test },
  { additionalProperties: false },
);
const EventMatchSlot = Type.Object(
  { event: Type.String({ minLength: 1 }), where: Type.Array(PropertyTestSlot, { maxItems: 50 }) },
  { additionalProperties: false },
);
const Child = Type.Unknown({ description: 'A condition' });

/** Each node kind, with its child conditions left open (checked when the walk reaches them). */
export const conditionNodeSchemas = {
  and: Type.Object({ kind: Type.Literal('and'), conditions: Type.Array(Child, { minItems: 1 }) }, { additionalProperties: false }),
  or: Type.Object({ kind: Type.Literal('or'), conditions: Type.Array(Child, { minItems: 1 }) }, { additionalProperties: false }),
  not: Type.Object({ kind: Type.Literal('not'), condition: Child }, { additionalProperties: false }),
  trait: Type.Object({ kind: Type.Literal('trait'), trait: Type.String({ minLength: 1 }), test: Test }, { additionalProperties: false }),
  event: Type.Object(
    {
      kind: Type.Literal('event'),
      match: EventMatchSlot,
      window: Type.Optional(Span),
      count: Type.Object({ op: Type.Enum(comparisonOps), value: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
    },
    { additionalProperties: false },
  ),
  sequence: Type.Object(
    { kind: Type.Literal('sequence'), first: EventMatchSlot, then: EventMatchSlot, within: Span, window: Type.Optional(Span) },
    { additionalProperties: false },
  ),
  segment: Type.Object({ kind: Type.Literal('segment'), segment: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  consent: Type.Object(
    { kind: Type.Literal('consent'), channel: Type.Enum(consentChannels), purpose: Type.Enum(consentPurposes) },
    { additionalProperties: false },
  ),
  identifier: Type.Object({ kind: Type.Literal('identifier'), type: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  channel: Type.Object({ kind: Type.Literal('channel'), channel: Type.Enum(channels) }, { additionalProperties: false }),
} as const;
export type ConditionKind = keyof typeof conditionNodeSchemas;
export const conditionKinds = Object.keys(conditionNodeSchemas) as ConditionKind[];

/** A segment condition: the tree both compilers (in-memory and SQL) take. */
export type Condition =
  | { readonly kind: 'and' | 'or'; readonly conditions: readonly Condition[] }
  | { readonly kind: 'not'; readonly condition: Condition }
  | { readonly kind: 'trait'; readonly trait: string; readonly test: ValueTest }
  | {
      readonly kind: 'event';
      readonly match: EventMatch;
      readonly window?: Span;
      /** How many matching events: `performed` is `>= 1`. */
      readonly count: { readonly op: ComparisonOp; readonly value: number };
    }
  | { readonly kind: 'sequence'; readonly first: EventMatch; readonly then: EventMatch; readonly within: Span; readonly window?: Span }
  /** Membership of another segment, by name. */
  | { readonly kind: 'segment'; readonly segment: string }
  | { readonly kind: 'consent'; readonly channel: ConsentChannel; readonly purpose: ConsentPurpose }
  | { readonly kind: 'identifier'; readonly type: string }
  | { readonly kind: 'channel'; readonly channel: Channel };

/** A definition as the API takes it: the text form, or the JSON form. */
export const ConditionInput = Type.Union([
  Type.String({ minLength: 1, maxLength: 20_000, description: 'Text form, e.g. trait.plan = "pro" and performed "Order Completed" within last 30 days' }),
  Type.Record(Type.String(), Type.Unknown(), { description: 'JSON form: a tree of {kind: and|or|not|trait|event|sequence|segment|consent|identifier|channel, ...}' }),
]);

export const segmentStatuses = ['backfilling', 'evaluating', 'live', 'failed'] as const;

export const SegmentCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Unique; other segments refer to it by this name' }),
    definition: ConditionInput,
  },
  { additionalProperties: false },
);
export type SegmentCreate = Static<typeof SegmentCreate>;

export const SegmentView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: Type.Enum(segmentStatuses, { description: 'backfilling (history), evaluating (first members), live, or failed' }),
  error: Type.Union([Type.String(), Type.Null()]),
  definition: Type.Object({
    text: Type.String({ description: 'Canonical text form' }),
    json: Type.Unknown({ description: 'JSON form' }),
  }),
  size: Type.Integer({ description: 'Members now' }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type SegmentView = Static<typeof SegmentView>;

export const SegmentIdParams = Type.Object({ id: Type.String() });

export const SegmentMembersQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
});
export type SegmentMembersQuery = Static<typeof SegmentMembersQuery>;

export const SegmentMembersPage = Type.Object({
  members: Type.Array(Type.Object({ profileId: Type.String(), since: Type.String() })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const SegmentPreviewRequest = Type.Object(
  {
    definition: ConditionInput,
    sampleSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'How many member ids to show' })),
  },
  { additionalProperties: false },
);
export type SegmentPreviewRequest = Static<typeof SegmentPreviewRequest>;

export const SegmentPreview = Type.Object({
  count: Type.Integer({ description: 'Profiles meeting the definition now' }),
  sample: Type.Array(Type.String(), { description: 'Some of them: the smallest profile ids' }),
  tookMs: Type.Number({ description: 'Time the query took' }),
});

export const SegmentExportQuery = Type.Object({
  traits: Type.Optional(
    Type.String({
      pattern: '^[^,]+(,[^,]+){0,19}$',
      description: 'Comma-separated trait names for trait.<name> columns (at most 20); firstName,lastName when absent',
    }),
  ),
});
export type SegmentExportQuery = Static<typeof SegmentExportQuery>;

export const ProfileSegments = Type.Object({
  segments: Type.Array(Type.Object({ segmentId: Type.String(), name: Type.String(), since: Type.String() })),
});
