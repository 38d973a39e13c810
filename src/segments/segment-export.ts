import { IdentityWorkspace, parseIdentifierKey } from '../identity/index.js';
import { formatCsvRecord } from '../lib/csv.js';
import { asState, goldenTraits, type ProfileRules } from '../profiles/index.js';
import type { IdentityStore, SegmentStore } from '../store/index.js';

/** The identifier columns of a members export: one value of each type (the first in key order), empty when none. */
export const exportIdentifierTypes = ['user_id', 'email', 'phone'] as const;
/** Trait columns when the caller names none. */
export const defaultExportTraits = ['firstName', 'lastName'] as const;

export interface MembersExportSource {
  readonly store: Pick<SegmentStore, 'members'>;
  readonly identity: IdentityStore;
  readonly profileRules: ProfileRules;
}

const pageSize = 1_000;
/** A spreadsheet runs a cell starting with one of these as a formula: trait values are free text. */
const formulaStart = /^[=+\-@\t\r]/;

const cell = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return formulaStart.test(text) ? `'${text}` : text;
};

/**
 * A segment's members as CSV, streamed a page at a time in profile id order:
 * `profile_id, since` (ISO time they entered), the identifier columns, then
 * `trait.<name>` per trait asked for (golden values; JSON for objects and
 * arrays). Rows of members merged away or erased since they entered are left
 * out: their survivor's membership is its own row.
 */
export async function* membersCsv(source: MembersExportSource, segmentId: string, traits: readonly string[]): AsyncGenerator<string> {
  yield formatCsvRecord(['profile_id', 'since', ...exportIdentifierTypes, ...traits.map((t) => `trait.${t}`)]);
  for (let after = ''; ; ) {
    const members = await source.store.members(segmentId, { limit: pageSize, after });
    const profiles = await source.identity.profiles(members.map((m) => m.profileId));
    const ws = new IdentityWorkspace(source.identity);
    let chunk = '';
    for (const member of members) {
      const profile = profiles.get(member.profileId);
      if (profile === undefined || profile.mergedInto !== null) continue;
      const keys = (await ws.identifiersOf(profile.id)).sort();
      const identifiers = exportIdentifierTypes.map((type) => {
        for (const key of keys) {
          const parsed = parseIdentifierKey(key);
          if (parsed?.type === type) return parsed.value;
        }
        return '';
      });
      const golden = goldenTraits(asState(profile.state), source.profileRules);
      const values = traits.map((t) => cell(Object.hasOwn(golden, t) ? golden[t]?.value : undefined));
      chunk += formatCsvRecord([member.profileId, new Date(member.since).toISOString(), ...identifiers, ...values]);
    }
    if (chunk !== '') yield chunk;
    const last = members.at(-1);
    if (last === undefined || members.length < pageSize) return;
    after = last.profileId;
  }
}
