import Type, { type Static } from 'typebox';
import { journeyChannels, messageCategories } from './journeys.js';

const LocalTime = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });

/** Rules every send of every journey must pass, checked at the moment of sending. */
export const ContactPolicies = Type.Object(
  {
    consent: Type.Optional(
      Type.Object(
        {
          marketing: Type.Optional(Type.Enum(['opt_in', 'opt_out'] as const, { description: 'opt_in: only with consent granted (default); opt_out: unless denied' })),
          transactional: Type.Optional(Type.Enum(['opt_in', 'opt_out', 'none'] as const, { description: 'Default opt_out: unless denied' })),
        },
        { additionalProperties: false },
      ),
    ),
    frequencyCaps: Type.Optional(
      Type.Array(
        Type.Object(
          {
            channels: Type.Union([Type.Literal('all'), Type.Array(Type.Enum(journeyChannels), { minItems: 1 })]),
            max: Type.Integer({ minimum: 0 }),
            days: Type.Integer({ minimum: 1, maximum: 365, description: 'Calendar days in the person\'s time zone, today included' }),
            category: Type.Optional(Type.Enum([...messageCategories, 'all'] as const, { description: 'Default marketing' })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    quietHours: Type.Optional(
      Type.Object(
        {
          start: LocalTime,
          end: LocalTime,
          channels: Type.Optional(Type.Array(Type.Enum(journeyChannels), { minItems: 1, description: 'Default sms and push' })),
        },
        { additionalProperties: false },
      ),
    ),
    controlGroupPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 50, description: 'People who never get marketing, to measure its effect' })),
    transactionalExempt: Type.Optional(Type.Boolean({ description: 'Caps, quiet hours and the control group spare transactional messages (default true)' })),
  },
  { additionalProperties: false },
);
export type ContactPolicies = Static<typeof ContactPolicies>;
