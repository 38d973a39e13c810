import Type, { type Static } from 'typebox';

export const consentChannels = ['email', 'sms', 'push', 'phone', 'direct_mail', 'in_app'] as const;
export type ConsentChannel = (typeof consentChannels)[number];
export const ConsentChannel = Type.Enum(consentChannels);

export const consentPurposes = ['marketing', 'transactional'] as const;
export type ConsentPurpose = (typeof consentPurposes)[number];
export const ConsentPurpose = Type.Enum(consentPurposes);

export const ConsentTarget = Type.Object(
  { channel: ConsentChannel, purpose: ConsentPurpose },
  { additionalProperties: false },
);
export type ConsentTarget = Static<typeof ConsentTarget>;

export const consentStates = ['granted', 'denied'] as const;
export type ConsentState = (typeof consentStates)[number];

/** One statement of the management API: this person grants or denies this channel and purpose. */
export const ConsentStatement = Type.Object(
  { channel: ConsentChannel, purpose: ConsentPurpose, state: Type.Enum(consentStates) },
  { additionalProperties: false },
);
export type ConsentStatement = Static<typeof ConsentStatement>;

export const ConsentUpdate = Type.Object(
  {
    consent: Type.Array(ConsentStatement, {
      minItems: 1,
      maxItems: consentChannels.length * consentPurposes.length,
      description: 'At most one statement per channel and purpose',
    }),
    source: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Where the statement was collected (a form, a call); kept as its provenance' }),
    ),
  },
  { additionalProperties: false },
);
export type ConsentUpdate = Static<typeof ConsentUpdate>;
