/**
 * How an HTTP provider's answer maps to a delivery outcome, for every channel
 * that speaks HTTP (webhooks, SMS providers): 2xx sent; 408, 429, 5xx and
 * network failures worth another try (after Retry-After when given); any
 * other answer permanent, since sending the same request again would get it.
 */
import type { DeliveryOutcome } from '../adapter.js';

/** Milliseconds to wait from a Retry-After header (delta seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export const isTransientStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** The outcome of a response that is not a success; `detail` says what the provider said. */
export function failureOutcome(status: number, retryAfter: string | null, nowMs: number, detail: string): DeliveryOutcome {
  const reason = `HTTP ${status}${detail === '' ? '' : `: ${detail}`}`;
  if (!isTransientStatus(status)) return { kind: 'permanent', reason };
  return { kind: 'transient', reason, retryAfterMs: retryAfterMs(retryAfter, nowMs) };
}

/** A request that got no answer (refused, reset, timed out): the provider may never have seen it. */
export const networkFailure = (error: unknown): DeliveryOutcome => ({
  kind: 'transient',
  reason: `no answer: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
});

/** The start of a response body, for a reason that stays short and single-line. */
export async function bodyExcerpt(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
