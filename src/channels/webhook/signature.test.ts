import { describe, expect, it } from 'vitest';
import { signWebhook, signatureHeader, timestampHeader, verifyWebhookSignature } from './signature.js';

const secret = 'whsec_test';
const now = Date.UTC(2026, 10, 24, 12, 0, 0);
const body = '{"deliveryId":"d1","data":{"text":"hi"}}';

const signed = (at: number, text = body, key = secret) => {
  const headers = signWebhook(key, text, at);
  return { body: text, timestamp: headers[timestampHeader], signature: headers[signatureHeader] };
};

describe('webhook signatures', () => {
  it('signs timestamp.body with HMAC-SHA256 and verifies what it signed', () => {
    const request = signed(now);
    expect(request.timestamp).toBe(String(now / 1000));
    expect(request.signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, request, now + 1000)).toEqual({ ok: true, value: { timestamp: now / 1000 } });
  });

  it('refuses a tampered body, a changed timestamp and another secret', () => {
    const request = signed(now);
    expect(verifyWebhookSignature(secret, { ...request, body: body.replace('hi', 'ho') }, now)).toEqual({ ok: false, error: 'signature mismatch' });
    expect(verifyWebhookSignature(secret, { ...request, timestamp: String(now / 1000 + 1) }, now)).toEqual({ ok: false, error: 'signature mismatch' });
    expect(verifyWebhookSignature('other', request, now)).toEqual({ ok: false, error: 'signature mismatch' });
  });

  it('refuses a replay older than five minutes, and a timestamp from the future', () => {
    const request = signed(now);
    expect(verifyWebhookSignature(secret, request, now + 5 * 60_000).ok).toBe(true);
    expect(verifyWebhookSignature(secret, request, now + 5 * 60_000 + 1000)).toEqual({ ok: false, error: 'timestamp too old or too far ahead' });
    expect(verifyWebhookSignature(secret, signed(now + 10 * 60_000), now)).toEqual({ ok: false, error: 'timestamp too old or too far ahead' });
  });

  it('accepts any of several v1 signatures (secret rotation) and names missing or malformed headers', () => {
    const request = signed(now);
    const rotated = { ...request, signature: `v1=${'0'.repeat(64)}, ${request.signature ?? ''}` };
    expect(verifyWebhookSignature(secret, rotated, now).ok).toBe(true);
    expect(verifyWebhookSignature(secret, { body, timestamp: undefined, signature: request.signature }, now)).toEqual({ ok: false, error: 'missing headers' });
    expect(verifyWebhookSignature(secret, { ...request, timestamp: '12abc' }, now)).toEqual({ ok: false, error: 'malformed timestamp' });
  });
});
