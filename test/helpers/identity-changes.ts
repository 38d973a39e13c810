import type { IdentityChanges } from '../../src/store/index.js';

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
