import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchElementSpans, maxReserializedGrowth } from './batch-spans.js';

const bytes = (text: string): number => Buffer.byteLength(text);
const spansOf = (text: string): number[] | undefined => batchElementSpans(Buffer.from(text));

/** JSON text for `value` with arbitrary whitespace around its tokens (JSON.stringify's indent, or none). */
const formatted = (value: unknown, indent: number): string => JSON.stringify(value, null, indent);

describe('batchElementSpans', () => {
  // Any UTF-16 code units, lone surrogates included.
  const json = fc.jsonValue({ stringUnit: 'binary' });

  it('gives the exact size of each message of a compact body', () => {
    fc.assert(
      fc.property(fc.array(json), json, (batch, other) => {
        const spans = spansOf(JSON.stringify({ other, batch, sentAt: '[not, an array]' }));
        expect(spans).toEqual(batch.map((message) => bytes(JSON.stringify(message))));
      }),
    );
  });

  it('bounds the re-serialized size of each message however the body is written', () => {
    fc.assert(
      fc.property(fc.array(json), fc.integer({ min: 0, max: 4 }), (batch, indent) => {
        const text = formatted({ batch }, indent);
        const parsed = (JSON.parse(text) as { batch: unknown[] }).batch;
        const spans = spansOf(text)!;
        expect(spans).toHaveLength(batch.length);
        parsed.forEach((message, i) => expect(bytes(JSON.stringify(message))).toBeLessThanOrEqual(spans[i]! * maxReserializedGrowth));
      }),
    );
  });

  it('holds the bound for numbers that grow when written out, and escapes that shrink', () => {
    const text = '{"batch":[1e20,[9E20,-1e20],"\\u00e9\\/",{"a":"\\"]"}]}';
    const parsed = (JSON.parse(text) as { batch: unknown[] }).batch;
    const spans = spansOf(text)!;
    expect(spans).toHaveLength(4);
    parsed.forEach((message, i) => expect(bytes(JSON.stringify(message))).toBeLessThanOrEqual(spans[i]! * maxReserializedGrowth));
  });

  it('finds the top-level batch only, the last one when repeated, and its key however escaped', () => {
    expect(spansOf('{"context":{"batch":[1,2,3]},"batch":[{"a":1}]}')).toEqual([7]);
    expect(spansOf('{"batch":[1,2],"batch":[333]}')).toEqual([3]);
    expect(spansOf('{"b\\u0061tch":[1, 22]}')).toEqual([1, 3]);
    expect(spansOf('{"batch":[]}')).toEqual([]);
    expect(spansOf('{"batch":[ ]}')).toEqual([]);
    expect(spansOf('{"x":"batch","y":[1]}')).toBeUndefined();
    expect(spansOf('{"batch":{"a":[1]}}')).toBeUndefined();
    expect(spansOf('["batch",[1]]')).toBeUndefined();
  });
});
