import type { Claim } from '../store/index.js';

/** Orders claims by event time, then messageId, so every ordering decision is deterministic. */
export function compareClaims(a: Claim, b: Claim): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  if (a.messageId !== b.messageId) return a.messageId < b.messageId ? -1 : 1;
  return 0;
}

export const earlierClaim = (a: Claim, b: Claim): Claim => (compareClaims(a, b) <= 0 ? a : b);
export const laterClaim = (a: Claim, b: Claim): Claim => (compareClaims(a, b) >= 0 ? a : b);
