/**
 * Identity: which person each message is about. Extracts and normalizes the
 * identifiers a message carries, and places them in the identity graph, where
 * every identifier belongs to exactly one profile.
 *
 * Invariant: the graph is a pure function of the set of messages (see
 * partition.ts), whatever order and batches they arrive in; merges respect the
 * per-type limits and manual cannot-link constraints, and refused links are
 * recorded as conflicts. Besides messages, the graph holds what the
 * management API adds (a split's manual link, a profile's API fragment: each
 * a fragment with a claim before every message), and it forgets erased
 * people: messages carrying an erased identifier no longer count.
 */
export { apiFragmentKey, apiFragmentOf } from './api-fragment.js';
export { compareClaims } from './claim.js';
export { ErasedIdentifiers, type ErasedIdentifiersOptions } from './erased-identifiers.js';
export { detachForErasure, type ErasureScope } from './erasure.js';
export { identifierKey, parseIdentifierKey, type Identifier } from './identifier.js';
export {
  compareByPriority,
  extractIdentifiers,
  isBlocked,
  keyComparator,
  normalizeEmail,
  normalizePhone,
  resolveIdentityRules,
  type IdentityRules,
} from './identifiers.js';
export { normalizeIdentifierKey } from './normalize-key.js';
export { IdentityResolver, fragmentKeyOf, type MessageRef, type Resolution } from './resolver.js';
export { IdentityWorkspace } from './workspace.js';
