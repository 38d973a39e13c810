import { createHash } from 'node:crypto';
import type { Claim, FragmentRecord } from '../store/index.js';
import { identifierKey, parseIdentifierKey } from './identifier.js';
import { compareByPriority, type IdentityRules } from './identifiers.js';
import type { IdentityWorkspace } from './workspace.js';

/** Sorts before every message's claim, like a split's manual fragment: it never decides an order. */
const apiClaim: Claim = { timestamp: '', messageId: 'api' };

/** Distinct from the key of a message carrying only `anchor`, which hashes the bare identifier. */
export const apiFragmentKey = (anchor: string): string =>
  createHash('sha256').update(`api\n${anchor}`).digest('base64url').slice(0, 22);

/**
 * The fragment holding what the management API said about a person (consent),
 * rather than a message. Golden records are rebuilt from fragment states on
 * every merge, split and re-decision; kept in a fragment anchored on one of
 * the profile's identifiers, a statement survives them like message data
 * does, and follows that identifier wherever it goes. The anchor is the
 * profile's highest-priority identifier, the one least likely to be split off.
 * A new fragment is only in the workspace until its changes are committed.
 */
export async function apiFragmentOf(ws: IdentityWorkspace, profileId: string, rules: IdentityRules): Promise<FragmentRecord> {
  const [anchor] = (await ws.identifiersOf(profileId))
    .flatMap((key) => parseIdentifierKey(key) ?? [])
    .sort((a, b) => compareByPriority(a, b, rules))
    .map(identifierKey);
  if (anchor === undefined) throw new Error(`profile ${profileId} holds no identifier`);
  const key = apiFragmentKey(anchor);
  const existing = await ws.fragment(key);
  if (existing !== undefined) return existing;
  const fragment: FragmentRecord = { key, identifiers: [anchor], claim: apiClaim, homeProfileId: profileId, state: {} };
  ws.setFragment(fragment);
  return fragment;
}
