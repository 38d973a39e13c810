import type { HistoryEntryView, Profile, Suppression } from '../contracts/index.js';
import { parseIdentifierKey } from '../identity/index.js';
import type { ConflictRecord, ProfileRecord, StoredHistoryEntry, SuppressionRecord } from '../store/index.js';
import { consentOf, goldenTraits, type ProfileRules, type ProfileState } from './state.js';
import { asState } from './unify-projection.js';

export type TraitView = Profile['traits'][string];

/**
 * Traits later stages derive from a golden record (computed traits), shown
 * with the golden ones; a derived trait takes the place of a message trait of
 * the same name.
 */
export type DerivedTraits = (state: ProfileState, golden: Readonly<Record<string, TraitView>>, now: number) => Readonly<Record<string, TraitView>>;

/** A profile as the API shows it: golden traits with lineage, identities, consent, conflicts, suppressions. */
export function profileView(
  record: ProfileRecord,
  identifierKeys: readonly string[],
  mergedIds: readonly string[],
  conflicts: readonly ConflictRecord[],
  suppressions: readonly SuppressionRecord[],
  rules: ProfileRules,
  derived: DerivedTraits | undefined,
  now: number,
): Profile {
  const state = asState(record.state);
  const golden = goldenTraits(state, rules);
  return {
    id: record.id,
    mergedIds: [...mergedIds].sort(),
    traits: derived === undefined ? golden : { ...golden, ...derived(state, golden, now) },
    identities: [...identifierKeys]
      .sort()
      .map(parseIdentifierKey)
      .filter((i) => i !== undefined),
    consent: consentOf(state),
    channels: [...state.channels],
    messageCount: state.messages,
    firstSeen: state.firstSeen,
    lastSeen: state.lastSeen,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    conflicts: conflicts.map((c) => ({
      identifier: c.identifier,
      anchor: c.anchor,
      profileId: c.profileId,
      otherProfileId: c.otherProfileId,
      reason: c.reason,
      at: c.claim.timestamp,
      messageId: c.claim.messageId,
    })),
    suppressions: suppressions.map(suppressionView),
  };
}

export function suppressionView(record: SuppressionRecord): Suppression {
  const { value = '' } = parseIdentifierKey(record.identifier) ?? {};
  return {
    identifier: record.identifier,
    type: record.type,
    value,
    reason: record.reason,
    note: record.note,
    createdAt: new Date(record.createdAt).toISOString(),
  };
}

/** A merge or split as the API shows it. */
export function historyView(entry: StoredHistoryEntry): HistoryEntryView {
  return {
    ...entry,
    identifiers: [...entry.identifiers],
    at: new Date(entry.at).toISOString(),
    cause: Object.fromEntries(Object.entries(entry.cause).map(([k, v]) => [k, String(v)])),
  };
}
