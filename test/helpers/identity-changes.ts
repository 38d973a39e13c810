import type { FragmentRecord, IdentityChanges, ProfileRecord } from '../../src/store/index.js';

/** A commit for an identity store that changes nothing but what `extra` says. */
export const identityChanges = (extra: Partial<IdentityChanges>): IdentityChanges => ({
  identifiers: [],
  fragments: [],
  profiles: [],
  history: [],
  conflicts: { replaceFor: [], add: [] },
  cannotLinks: [],
  ...extra,
});

/** A live profile record with an empty state, changed by `overrides`. */
export const profileRecord = (id: string, overrides: Partial<ProfileRecord> = {}): ProfileRecord => ({
  id,
  state: {},
  identifierCounts: {},
  maxClaim: { timestamp: '', messageId: '' },
  constrained: false,
  conflicted: false,
  mergedInto: null,
  createdAt: 1000,
  updatedAt: 1000,
  ...overrides,
});

/** A fragment of one user id, homed in `homeProfileId`, with an empty state changed by `overrides`. */
export const fragmentRecord = (key: string, homeProfileId: string, overrides: Partial<FragmentRecord> = {}): FragmentRecord => ({
  key,
  identifiers: [`user_id:${key}`],
  claim: { timestamp: '2026-01-01T00:00:00.000Z', messageId: key },
  homeProfileId,
  state: {},
  ...overrides,
});
