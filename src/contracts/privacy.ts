/** Data subject requests: a person's data, exported whole; and erased, with a record that stays. */
import Type, { type Static } from 'typebox';
import { IsoTimestamp } from './common.js';
import { StoredEvent } from './events.js';
import { HistoryEntryView, Lineage, Profile } from './profiles.js';

export const HeldTraitValue = Type.Object({
  value: Type.Unknown(),
  lineage: Lineage,
  count: Type.Integer({ description: 'How many messages carried it, where the survivorship rule counts them (most_frequent); else 1' }),
});

export const ProfileExport = Type.Object({
  exportedAt: IsoTimestamp,
  profile: Profile,
  traitLineage: Type.Record(Type.String(), Type.Array(HeldTraitValue), {
    description: 'Every value held for each trait, with where it came from; the golden value is one of them',
  }),
  history: Type.Array(HistoryEntryView),
  events: Type.Array(StoredEvent, { description: 'Every stored event of the person, newest first' }),
});
export type ProfileExport = Static<typeof ProfileExport>;

/** What stays of an erasure: who asked, when, and one-way hashes of the erased identifiers. */
export const ErasureRecord = Type.Object({
  id: Type.String(),
  profileId: Type.String(),
  mergedIds: Type.Array(Type.String(), { description: 'Profiles merged into it, erased with it' }),
  requestedBy: Type.String(),
  at: IsoTimestamp,
  identifierHashes: Type.Array(Type.String(), {
    description: 'HMAC-SHA256 of each erased identifier (type:value) under this installation\'s secret; later messages carrying one are dropped',
  }),
  erasedEvents: Type.Integer({ description: 'Events erased from the event store and the log' }),
});
export type ErasureRecord = Static<typeof ErasureRecord>;
