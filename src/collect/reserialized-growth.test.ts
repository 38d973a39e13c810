import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxReserializedGrowth } from './reserialized-growth.js';

const bytes = (text: string): number => Buffer.byteLength(text);
const grows = (text: string): number => bytes(JSON.stringify(JSON.parse(text))) / bytes(text);

describe('maxReserializedGrowth', () => {
  it('bounds the re-serialized size of any JSON text however it is written', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), fc.integer({ min: 0, max: 4 }), (value, indent) => {
        expect(grows(JSON.stringify(value, null, indent))).toBeLessThanOrEqual(maxReserializedGrowth);
      }),
    );
  });

  it('holds for numbers that grow when written out', () => {
    expect(grows('1e20')).toBeLessThanOrEqual(maxReserializedGrowth);
    expect(grows('[9E20,-1e20]')).toBeLessThanOrEqual(maxReserializedGrowth);
  });
});
