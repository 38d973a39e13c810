import Type, { type Static } from 'typebox';
import { Span } from './segments.js';

export const aggregateFunctions = ['count', 'sum', 'avg', 'min', 'max', 'first', 'last', 'most_frequent', 'unique_count', 'exists'] as const;
export type AggregateFunction = (typeof aggregateFunctions)[number];
/** Functions that read a property's values; count and exists only count events. */
export const valueFunctions: readonly AggregateFunction[] = ['sum', 'avg', 'min', 'max', 'first', 'last', 'most_frequent', 'unique_count'];

export const TraitName = Type.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_]{0,99}$',
  description: 'Letters, digits and _, so conditions can say trait.<name>',
});

export const AggregateTraitDefinition = Type.Object(
  {
    kind: Type.Literal('aggregate'),
    function: Type.Enum(aggregateFunctions),
    event: Type.String({ minLength: 1, description: 'Track event name, or page/screen name' }),
    where: Type.Optional(
      Type.Union([Type.String({ description: 'Property filters in the segment language, e.g. revenue > 50 and currency = "EUR"' }), Type.Array(Type.Unknown())]),
    ),
    property: Type.Optional(Type.String({ minLength: 1, description: 'The property whose values are aggregated (dots go deeper)' })),
    window: Type.Optional(Span),
  },
  { additionalProperties: false },
);

export const ExpressionTraitDefinition = Type.Object(
  {
    kind: Type.Literal('expression'),
    expression: Type.String({ minLength: 1, maxLength: 5_000, description: 'e.g. round(trait.revenue_90d / coalesce(trait.orders_90d, 1), 2)' }),
  },
  { additionalProperties: false },
);

export const ComputedTraitDefinition = Type.Union([AggregateTraitDefinition, ExpressionTraitDefinition]);
export type ComputedTraitDefinition = Static<typeof ComputedTraitDefinition>;

export const ComputedTraitCreate = Type.Object({ name: TraitName, definition: ComputedTraitDefinition }, { additionalProperties: false });
export type ComputedTraitCreate = Static<typeof ComputedTraitCreate>;

export const ComputedTraitPatch = Type.Object({ definition: ComputedTraitDefinition }, { additionalProperties: false });
export type ComputedTraitPatch = Static<typeof ComputedTraitPatch>;

export const computedTraitStatuses = ['backfilling', 'live', 'failed'] as const;

export const ComputedTraitView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  definition: Type.Unknown(),
  status: Type.Enum(computedTraitStatuses),
  error: Type.Union([Type.String(), Type.Null()]),
  backfill: Type.Object({ eventsReplayed: Type.Integer(), finishedAt: Type.Union([Type.String(), Type.Null()]) }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type ComputedTraitView = Static<typeof ComputedTraitView>;
