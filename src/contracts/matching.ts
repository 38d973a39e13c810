/**
 * Configuration of the probabilistic matcher (identity/matching): which fields
 * are compared and how, which blocking rules choose the pairs worth comparing,
 * the thresholds, and the settings of the unsupervised training. Written by
 * hand or proposed by `--auto`; read by `tessera dedupe` and `tessera link`.
 */
import Type, { type Static } from 'typebox';

export const matchFieldKinds = ['name', 'text', 'exact', 'date', 'number', 'email', 'phone', 'postcode'] as const;
export type MatchFieldKind = (typeof matchFieldKinds)[number];

/**
 * Comparison levels, strongest first. A pair of values takes the first level
 * whose test passes, or the implicit "else" level after the last.
 */
export const matchLevelTypes = [
  'exact',
  'nickname',
  'swapped',
  'jaroWinkler',
  'levenshtein',
  'phonetic',
  'initial',
  'tokens',
  'emailLocal',
  'dayMonthSwapped',
  'withinDays',
  'numberWithin',
] as const;
export type MatchLevelType = (typeof matchLevelTypes)[number];

/** The parameter each level type needs (checked after the schema, with a message naming the level). */
export const matchLevelParameters: Readonly<Record<MatchLevelType, readonly ('min' | 'max' | 'days' | 'with' | 'abs' | 'rel')[]>> = {
  exact: [],
  nickname: [],
  swapped: ['with'],
  jaroWinkler: ['min'],
  levenshtein: ['max'],
  phonetic: [],
  initial: [],
  tokens: ['min'],
  emailLocal: [],
  dayMonthSwapped: [],
  withinDays: ['days'],
  numberWithin: [],
};

const FieldName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$', description: 'A name for the field, used in blocking rules and explanations' });

export const MatchLevel = Type.Object(
  {
    type: Type.Enum(matchLevelTypes),
    min: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'jaroWinkler, tokens: the least similarity (0-1)' })),
    max: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, description: 'levenshtein: the most edits' })),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36_500, description: 'withinDays: the most days apart' })),
    with: Type.Optional(Type.String({ description: 'swapped: the other field (first name <-> surname)' })),
    abs: Type.Optional(Type.Number({ minimum: 0, description: 'numberWithin: the largest absolute difference' })),
    rel: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'numberWithin: the largest difference relative to the larger value' })),
  },
  { additionalProperties: false },
);
export type MatchLevel = Static<typeof MatchLevel>;

export const dateFormats = ['auto', 'YYYYMMDD', 'YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY'] as const;

export const MatchField = Type.Object(
  {
    name: FieldName,
    column: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 8 })], {
        description: 'The input column (default: the field name). Several columns are joined with a space; for a date: year, month, day',
      }),
    ),
    kind: Type.Enum(matchFieldKinds, { description: 'Decides normalisation and the default levels' }),
    levels: Type.Optional(Type.Array(MatchLevel, { minItems: 1, maxItems: 12, description: 'Overrides the default levels of the kind, strongest first' })),
    termFrequency: Type.Optional(
      Type.Union(
        [
          Type.Boolean(),
          Type.Object(
            {
              weight: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'How much of the adjustment to apply (default 1)' })),
              min: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Frequencies below this count as this (default 0: none)' })),
            },
            { additionalProperties: false },
          ),
        ],
        { description: 'A match on a rare value weighs more than on a common one (default: on, except for number fields)' },
      ),
    ),
    dateFormat: Type.Optional(Type.Enum(dateFormats, { description: 'date fields: how dates are written (default auto)' })),
  },
  { additionalProperties: false },
);
export type MatchField = Static<typeof MatchField>;

export const blockingTransforms = ['value', 'metaphone', 'prefix', 'suffix', 'year', 'digits', 'sortedTokens', 'firstToken', 'lastToken'] as const;
export type BlockingTransform = (typeof blockingTransforms)[number];

export const BlockingTerm = Type.Union([
  Type.String({ minLength: 1, description: 'A field name (its normalised value) or a column' }),
  Type.Object(
    {
      field: Type.String({ minLength: 1, description: 'A field name or a column' }),
      transform: Type.Optional(Type.Enum(blockingTransforms)),
      length: Type.Optional(Type.Integer({ minimum: 1, maximum: 32, description: 'prefix, suffix: how many characters' })),
    },
    { additionalProperties: false },
  ),
]);
export type BlockingTerm = Static<typeof BlockingTerm>;

export const BlockingRule = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1 })),
    on: Type.Array(BlockingTerm, { minItems: 1, maxItems: 8, description: 'Records whose keys are all equal are compared' }),
    maxBlockSize: Type.Optional(Type.Integer({ minimum: 2, description: 'Larger blocks are skipped (and reported); default 5000' })),
  },
  { additionalProperties: false },
);
export type BlockingRule = Static<typeof BlockingRule>;

export const MatchConfig = Type.Object(
  {
    version: Type.Optional(Type.Literal(1)),
    id: Type.Optional(Type.String({ minLength: 1, description: 'The record id column (default: the first column)' })),
    source: Type.Optional(
      Type.Object(
        {
          column: Type.Optional(Type.String({ minLength: 1, description: 'dedupe: the column saying which source a record comes from' })),
          uniqueWithin: Type.Optional(
            Type.Boolean({ description: 'Each source holds a person at most once: records of one source are never merged (default false)' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    fields: Type.Array(MatchField, { minItems: 1, maxItems: 32 }),
    blocking: Type.Array(BlockingRule, { minItems: 1, maxItems: 16 }),
    thresholds: Type.Optional(
      Type.Object(
        {
          autoMerge: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Match probability above which records merge (default 0.5)' })),
          review: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Match probability above which a pair goes to review (default 0.1)' })),
        },
        { additionalProperties: false },
      ),
    ),
    em: Type.Optional(
      Type.Object(
        {
          maxIterations: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          tolerance: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 0.1 })),
          uSampleSize: Type.Optional(Type.Integer({ minimum: 1000, maximum: 100_000_000, description: 'Random pairs drawn to estimate u (default 20 per record, between 100,000 and 1,000,000)' })),
          jointFields: Type.Optional(
            Type.Union([Type.Literal('auto'), Type.Array(Type.Array(Type.String({ minLength: 1 }), { minItems: 2, maxItems: 3 }))], {
              description: 'Fields scored together because they agree together (town and postcode): auto (default) detects them on random pairs; [] for none',
            }),
          ),
          fixU: Type.Optional(Type.Boolean({ description: 'Keep u at the sampled values while estimating m (default false)' })),
          seed: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    nicknames: Type.Optional(Type.Array(Type.Array(Type.String({ minLength: 1 }), { minItems: 2 }), { description: 'Extra groups of names that mean the same person' })),
  },
  { additionalProperties: false },
);
export type MatchConfig = Static<typeof MatchConfig>;
