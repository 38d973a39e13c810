import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializedSizeAtMost } from './size-bound.js';

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

describe('serializedSizeAtMost', () => {
  // Any UTF-16 code units, lone surrogates included, and every kind of JSON value.
  const json = fc.jsonValue({ stringUnit: 'binary' });

  it('never says a value fits when its serialization does not', () => {
    fc.assert(
      fc.property(json, fc.nat(4_000), (value, limit) => {
        if (serializedSizeAtMost(value, limit)) expect(bytes(value)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 2_000 },
    );
  });

  it('holds for the worst cases: control characters, lone surrogates, long numbers', () => {
    const worst = { '\u0001': ['\ud800', '\u0000'.repeat(10), -1.7976931348623157e308, 5e-324, true, null] };
    const size = bytes(worst);
    expect(serializedSizeAtMost(worst, size - 1)).toBe(false);
  });

  it('lets a typical tracking message through at a fraction of the limit', () => {
    const message = {
      type: 'track',
      messageId: 'a2b3c4d5-0001-0000000000000042',
      anonymousId: 'anon-1',
      event: 'Product Viewed',
      properties: { product_id: 'sku-1000', price: 19.99, currency: 'EUR', quantity: 1 },
      context: { library: { name: 'analytics.js', version: '5.2.0' }, locale: 'en-GB' },
      timestamp: '2025-01-01T00:00:00.000Z',
    };
    expect(serializedSizeAtMost(message, 32 * 1024)).toBe(true);
    expect(serializedSizeAtMost(message, bytes(message) * 6)).toBe(true);
  });
});
