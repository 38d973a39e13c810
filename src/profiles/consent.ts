import type { ConsentStatement } from '../contracts/index.js';
import { apiFragmentOf, type IdentityRules, type IdentityWorkspace } from '../identity/index.js';
import { invalid } from '../lib/errors.js';
import { sortedRecord } from './plain-data.js';
import { emptyState, mergeStates, type ConsentEntry, type ProfileState } from './state.js';
import { asJson, asState } from './unify-projection.js';

/**
 * What consent statements made through the management API contribute to a
 * golden record: like a message's, stamped with the time they were made, so
 * the latest statement wins whichever way it came. Two statements about one
 * channel and purpose in a request are refused: neither could be the latest.
 */
export function apiConsentContribution(
  statements: readonly ConsentStatement[],
  at: string,
  provenance: ConsentEntry['provenance'],
): ProfileState {
  const entries = new Map<string, ConsentEntry>();
  const firstIndex = new Map<string, number>();
  statements.forEach(({ channel, purpose, state }, index) => {
    const key = `${channel}:${purpose}`;
    const first = firstIndex.get(key);
    if (first !== undefined) {
      throw invalid([{ field: `consent[${index}]`, rule: 'unique', message: `says ${channel} ${purpose} again, after consent[${first}]` }]);
    }
    firstIndex.set(key, index);
    entries.set(key, { state, at, provenance });
  });
  return { ...emptyState, consent: sortedRecord(entries) };
}

/**
 * Adds a contribution stated through the API to the profile's API fragment
 * (see identity/api-fragment.ts), which later rebuilds of the record start
 * from, and to the profile's golden record as it stands.
 */
export async function addApiContribution(
  ws: IdentityWorkspace,
  profileId: string,
  contribution: ProfileState,
  rules: IdentityRules,
  now: number,
): Promise<void> {
  const fragment = await apiFragmentOf(ws, profileId, rules);
  ws.setFragment({ ...fragment, state: asJson(mergeStates(asState(fragment.state), contribution)) });
  const profile = await ws.liveProfile(profileId);
  ws.setProfile({ ...profile, state: asJson(mergeStates(asState(profile.state), contribution)), updatedAt: now });
}
