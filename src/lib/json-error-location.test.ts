import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeJsonError, locateJsonError } from './json-error-location.js';

describe('locateJsonError', () => {
  it.each([
    ['{"a": }', 6, 'a value'],
    ['{"a": 1,}', 8, 'a property name'],
    ['{a: 1}', 1, 'a property name'],
    ['[1, 2', 5, '"," or "]"'],
    ['{"a": tru}', 9, '"true"'],
    ['{"a": "x\ny"}', 8, 'a closing quote'],
    ['{"a": 1} extra', 9, 'the end of the body'],
    ['{"a": -}', 6, 'a number'],
    ['"\\q"', 2, 'an escape'],
  ])('%j breaks at %i, expecting %s', (text, position, expected) => {
    const location = locateJsonError(text);
    expect(location?.position).toBe(position);
    expect(location?.expected).toContain(expected);
  });

  it('counts lines and columns', () => {
    expect(locateJsonError('{\n  "a": 1,\n  "b": ]\n}')).toMatchObject({ line: 3, column: 8 });
  });

  it('finds nothing wrong in any valid JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(locateJsonError(JSON.stringify(value, null, 1))).toBeUndefined();
      }),
    );
  });

  it('phrases the problem for people', () => {
    expect(describeJsonError('{"a": }', 'fallback')).toBe(
      'expected a value (object, array, string, number, true, false or null) at line 1, column 7 (position 6), found "}"',
    );
    expect(describeJsonError('[1,', 'fallback')).toMatch(/found the end of the body/);
  });
});
