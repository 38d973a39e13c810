import Type, { type Static } from 'typebox';
import { Channel } from './channels.js';
import { consentChannels, consentPurposes, consentStates } from './consent.js';
import { IsoTimestamp, PageQuery } from './common.js';
import { Suppression } from './suppressions.js';

export const Lineage = Type.Object({
  sourceId: Type.String(),
  messageId: Type.String(),
  timestamp: IsoTimestamp,
});

export const TraitView = Type.Object({
  value: Type.Unknown(),
  rule: Type.String({ description: 'The survivorship rule that chose the value' }),
  lineage: Lineage,
});

const ConsentEntryView = Type.Union([
  Type.Object({
    state: Type.Enum(consentStates),
    at: IsoTimestamp,
    provenance: Type.Object({ sourceId: Type.String(), messageId: Type.String() }),
  }),
  Type.Null(),
]);

export const ConsentView = Type.Object(
  Object.fromEntries(
    consentChannels.map((channel) => [channel, Type.Object(Object.fromEntries(consentPurposes.map((p) => [p, ConsentEntryView])))]),
  ),
);

export const IdentityView = Type.Object({ type: Type.String(), value: Type.String() });

export const ConflictView = Type.Object({
  identifier: Type.String({ description: 'The identifier that was not linked' }),
  anchor: Type.String({ description: 'The identifier the message attached to' }),
  profileId: Type.String(),
  otherProfileId: Type.String({ description: 'Where the refused identifier stayed' }),
  reason: Type.String({ description: 'limit:<type> or cannot_link' }),
  at: IsoTimestamp,
  messageId: Type.String(),
});

export const Profile = Type.Object({
  id: Type.String(),
  mergedIds: Type.Array(Type.String(), { description: 'Profile ids merged into this one; they resolve here' }),
  traits: Type.Record(Type.String(), TraitView),
  identities: Type.Array(IdentityView),
  consent: ConsentView,
  channels: Type.Array(Channel),
  messageCount: Type.Integer(),
  firstSeen: Type.Union([IsoTimestamp, Type.Null()]),
  lastSeen: Type.Union([IsoTimestamp, Type.Null()]),
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
  conflicts: Type.Array(ConflictView),
  suppressions: Type.Array(Suppression, {
    description: 'Entries of the global suppression list for its identifiers; empty when none of them is suppressed',
  }),
});
export type Profile = Static<typeof Profile>;

export const ProfileIdParams = Type.Object({ id: Type.String() });

export const ProfileSearchQuery = Type.Object({
  identifier: Type.Optional(Type.String({ description: 'type:value, e.g. email:jane@example.com' })),
  identifierPrefix: Type.Optional(Type.String({ minLength: 3, description: 'Start of type:value, e.g. email:jane' })),
  trait: Type.Optional(Type.String({ minLength: 1, description: 'A trait name; with value, finds profiles by their golden value of it' })),
  value: Type.Optional(Type.String({ minLength: 1, description: 'The trait value; strings match case-insensitively' })),
  match: Type.Optional(Type.Enum(['exact', 'prefix'] as const, { default: 'exact', description: 'prefix: string traits starting with value' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});
export type ProfileSearchQuery = Static<typeof ProfileSearchQuery>;

export const ProfileList = Type.Object({ profiles: Type.Array(Profile) });

export const HistoryEntryView = Type.Object({
  id: Type.Integer(),
  kind: Type.Enum(['merge', 'split'] as const),
  profileId: Type.String({ description: 'The survivor of a merge; the profile split from' }),
  otherProfileId: Type.String({ description: 'The profile merged away; the profile that received the split identifiers' }),
  identifiers: Type.Array(Type.String()),
  at: IsoTimestamp,
  cause: Type.Record(Type.String(), Type.String(), { description: 'What caused it: the message and identifier, or who asked' }),
});

export type HistoryEntryView = Static<typeof HistoryEntryView>;

export const ProfileHistory = Type.Object({ history: Type.Array(HistoryEntryView) });

export const SplitRequest = Type.Object(
  { identifiers: Type.Array(Type.String({ minLength: 3 }), { minItems: 1, description: 'type:value identifiers to detach' }) },
  { additionalProperties: false },
);
export type SplitRequest = Static<typeof SplitRequest>;

export const SplitResponse = Type.Object({ profile: Profile, detached: Profile });

export const TimelineQuery = Type.Object({ ...PageQuery });
