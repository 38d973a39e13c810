/**
 * Configuration of the Unify stages (identity and profiles), read from the
 * file named by TESSERA_CONFIG. Every field is optional; defaults are the
 * behaviour a brand would expect out of the box.
 */
import Type, { type Static } from 'typebox';
import { ConsentTarget } from './consent.js';

export const IdentifierType = Type.String({
  pattern: '^[a-z][a-z0-9_]{0,39}$',
  description: 'snake_case identifier type, e.g. loyalty_id',
});

export const IdentifierRule = Type.Object(
  {
    limit: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
        description: 'Most values of this type one profile may hold; null means unlimited',
      }),
    ),
    priority: Type.Optional(Type.Integer({ description: 'Higher wins: a message attaches to the profile of its highest-priority identifier' })),
  },
  { additionalProperties: false },
);

const TracePath = Type.String({
  pattern: '^(traits|context\\.traits|properties)\\.[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$',
  description: 'Where the value is in a message: traits.x, context.traits.x or properties.x',
});

export const CustomIdentifier = Type.Object(
  {
    type: IdentifierType,
    from: Type.Array(TracePath, { minItems: 1 }),
    limit: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    priority: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

export const IdentityConfig = Type.Object(
  {
    rules: Type.Optional(Type.Record(IdentifierType, IdentifierRule, { description: 'Overrides of the default limit and priority per identifier type' })),
    custom: Type.Optional(Type.Array(CustomIdentifier, { description: 'Extra identifier types taken from traits or properties' })),
    blockedValues: Type.Optional(Type.Array(Type.String(), { description: 'Values that never link anything, added to the built-in list' })),
    blockedPatterns: Type.Optional(Type.Array(Type.String(), { description: 'Regular expressions; a matching value never links anything' })),
    email: Type.Optional(
      Type.Object(
        {
          ignoreDotsForDomains: Type.Optional(Type.Array(Type.String(), { description: 'Domains whose mailboxes ignore dots, e.g. gmail.com' })),
          stripPlusTags: Type.Optional(Type.Boolean({ description: 'Treat jane+news@x as jane@x' })),
        },
        { additionalProperties: false },
      ),
    ),
    phone: Type.Optional(
      Type.Object(
        { defaultRegion: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166 country for numbers without +prefix' })) },
        { additionalProperties: false },
      ),
    ),
    aliasPreviousIdType: Type.Optional(
      Type.Enum(['anonymous_id', 'user_id'] as const, { description: 'What an alias call\'s previousId is (default anonymous_id)' }),
    ),
  },
  { additionalProperties: false },
);
export type IdentityConfig = Static<typeof IdentityConfig>;

export const survivorshipRules = ['latest', 'first', 'source_priority', 'max', 'min', 'most_frequent', 'union'] as const;
export type SurvivorshipRule = (typeof survivorshipRules)[number];

export const TraitRule = Type.Object(
  {
    rule: Type.Enum(survivorshipRules),
    sources: Type.Optional(Type.Array(Type.String(), { minItems: 1, description: 'For source_priority: source ids, most trusted first' })),
  },
  { additionalProperties: false },
);
export type TraitRule = Static<typeof TraitRule>;

export const ProfilesConfig = Type.Object(
  {
    traits: Type.Optional(Type.Record(Type.String({ minLength: 1 }), TraitRule, { description: 'Survivorship per trait; others use latest' })),
    traitsFromEvents: Type.Optional(
      Type.Array(
        Type.Object(
          { event: Type.String({ minLength: 1 }), property: Type.String({ minLength: 1 }), trait: Type.String({ minLength: 1 }) },
          { additionalProperties: false },
        ),
        { description: 'Track properties that become profile traits' },
      ),
    ),
    consent: Type.Optional(
      Type.Object(
        {
          categories: Type.Optional(
            Type.Record(Type.String(), Type.Array(ConsentTarget), {
              description: 'Segment consent categories (context.consent.categoryPreferences) and what each covers',
            }),
          ),
          traits: Type.Optional(
            Type.Record(Type.String(), Type.Array(ConsentTarget), { description: 'Boolean traits that grant (true) or deny (false) consent' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ProfilesConfig = Static<typeof ProfilesConfig>;

export const TesseraConfigFile = Type.Object(
  { identity: Type.Optional(IdentityConfig), profiles: Type.Optional(ProfilesConfig) },
  { additionalProperties: false },
);
export type TesseraConfigFile = Static<typeof TesseraConfigFile>;
