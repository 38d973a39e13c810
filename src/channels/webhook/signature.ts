/**
 * Webhook signatures. Each request carries `Tessera-Timestamp` (Unix seconds)
 * and `Tessera-Signature: v1=<hex>`, the HMAC-SHA256 of `<timestamp>.<raw
 * body>` under the shared secret. Signing the timestamp with the body lets a
 * receiver refuse a captured request replayed later: it checks the signature,
 * then that the timestamp is recent.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok, type Result } from '../../lib/result.js';

export const timestampHeader = 'tessera-timestamp';
export const signatureHeader = 'tessera-signature';
/** How old (or how far ahead) a timestamp may be before the request counts as a replay. */
export const defaultToleranceMs = 5 * 60_000;

const digest = (secret: string, timestamp: string, body: string | Uint8Array): string =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

/** The two signature headers for a body sent at `nowMs`. */
export function signWebhook(secret: string, body: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { [timestampHeader]: timestamp, [signatureHeader]: `v1=${digest(secret, timestamp, body)}` };
}

export type SignatureProblem = 'missing headers' | 'malformed timestamp' | 'timestamp too old or too far ahead' | 'signature mismatch';

export interface SignedRequest {
  /** The raw body exactly as received (before any JSON parsing). */
  readonly body: string | Uint8Array;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
}

/**
 * What a receiver runs on each request: the signature must match one of the
 * `v1=` entries (several appear while a secret is being rotated) and the
 * timestamp be within the tolerance of `nowMs`.
 */
export function verifyWebhookSignature(
  secret: string,
  request: SignedRequest,
  nowMs: number,
  toleranceMs: number = defaultToleranceMs,
): Result<{ timestamp: number }, SignatureProblem> {
  const { timestamp, signature } = request;
  if (timestamp === undefined || signature === undefined) return err('missing headers');
  if (!/^\d{1,12}$/.test(timestamp)) return err('malformed timestamp');
  const seconds = Number(timestamp);
  if (Math.abs(nowMs - seconds * 1000) > toleranceMs) return err('timestamp too old or too far ahead');
  const expected = Buffer.from(digest(secret, timestamp, request.body), 'hex');
  const matches = signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .map((part) => Buffer.from(part.slice(3), 'hex'))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
  return matches ? ok({ timestamp: seconds }) : err('signature mismatch');
}
