import { describe, expect, it } from 'vitest';
import type { MatchField } from '../../contracts/matching.js';
import { fieldComparator, NULL_LEVEL, type FieldComparator } from './comparators.js';
import { fieldValues, type FieldValues } from './field-values.js';
import { nicknameIndex } from './nicknames.js';
import { tableFromRows } from './record-table.js';

/** Comparators over a table of rows; each test compares record 0 with record 1. */
function comparatorsFor(fields: MatchField[], rows: Record<string, string>[]): Map<string, FieldComparator> {
  const table = tableFromRows(rows);
  const values = new Map<string, FieldValues>(fields.map((f) => [f.name, fieldValues(table, f)]));
  const context = { nicknames: nicknameIndex([['jo', 'josephine']]), fields: values };
  return new Map(fields.map((f) => [f.name, fieldComparator(f, values.get(f.name)!, context)]));
}

function levelLabel(field: MatchField, a: string, b: string): string {
  const c = comparatorsFor([field], [{ [field.name]: a }, { [field.name]: b }]).get(field.name)!;
  const level = c.compare(0, 1);
  return level === NULL_LEVEL ? 'missing' : c.levels[level]!.label;
}

const name: MatchField = {
  name: 'first',
  kind: 'name',
  levels: [{ type: 'exact' }, { type: 'nickname' }, { type: 'levenshtein', max: 1 }, { type: 'jaroWinkler', min: 0.92 }, { type: 'phonetic' }, { type: 'jaroWinkler', min: 0.8 }],
};

describe('name comparator levels', () => {
  it.each([
    ['Jonathan', 'jonathan', 'exact'],
    ['Robert', 'Bob', 'nickname'],
    ['Jo', 'Josephine', 'nickname'],
    ['jonathan', 'johnathan', 'levenshtein <= 1'],
    ['martha', 'marhta', 'jaro-winkler >= 0.92'],
    ['catherine', 'kathrin', 'phonetic'],
    ['dwayne', 'duane', 'phonetic'],
    ['dixon', 'dicksonx', 'jaro-winkler >= 0.8'],
    ['alice', 'zoe', 'else'],
    ['alice', '', 'missing'],
    ['N/A', 'alice', 'missing'],
  ])('%s vs %s: %s', (a, b, expected) => {
    expect(levelLabel(name, a, b)).toBe(expected);
  });

  it('takes the Jaro-Winkler band the similarity falls in', () => {
    const bands: MatchField = { name: 'n', kind: 'name', levels: [{ type: 'jaroWinkler', min: 0.95 }, { type: 'jaroWinkler', min: 0.9 }, { type: 'jaroWinkler', min: 0.8 }] };
    expect(levelLabel(bands, 'martha', 'marhta')).toBe('jaro-winkler >= 0.95'); // 0.961
    expect(levelLabel(bands, 'abcdef', 'abcdxy')).toBe('jaro-winkler >= 0.8'); // 0.867
    expect(levelLabel(bands, 'dixon', 'dicksonx')).toBe('jaro-winkler >= 0.8'); // 0.813
    expect(levelLabel(bands, 'abc', 'xyz')).toBe('else');
  });

  it('takes the Levenshtein band of the edit count', () => {
    const bands: MatchField = { name: 'n', kind: 'text', levels: [{ type: 'exact' }, { type: 'levenshtein', max: 1 }, { type: 'levenshtein', max: 3 }] };
    expect(levelLabel(bands, 'kitten', 'kitten')).toBe('exact');
    expect(levelLabel(bands, 'kitten', 'kiten')).toBe('levenshtein <= 1');
    expect(levelLabel(bands, 'kitten', 'sitting')).toBe('levenshtein <= 3');
    expect(levelLabel(bands, 'kitten', 'mitten glove')).toBe('else');
  });

  it('matches Double Metaphone codes, primary or alternate', () => {
    const phonetic: MatchField = { name: 'n', kind: 'name', levels: [{ type: 'exact' }, { type: 'phonetic' }] };
    expect(levelLabel(phonetic, 'smith', 'smyth')).toBe('phonetic');
    // Smith's alternate code and Schmidt's primary are both XMT.
    expect(levelLabel(phonetic, 'schmidt', 'smith')).toBe('phonetic');
    expect(levelLabel(phonetic, 'philip', 'filip')).toBe('phonetic');
    expect(levelLabel(phonetic, 'smith', 'jones')).toBe('else');
  });
});

describe('date comparator levels', () => {
  const dob: MatchField = { name: 'dob', kind: 'date' };
  it.each([
    ['1980-04-17', ' 17/04/1980', 'exact'],
    ['1980-04-17', '04/17/1980', 'exact'],
    ['19800407', '19800704', 'day and month swapped'],
    ['1980-04-07', '1980-04-17', 'levenshtein <= 1'],
    ['1980-04-07', '1980-12-25', 'within 366 days'],
    ['1980-04-07', '1990-04-07', 'levenshtein <= 1'],
    ['1980-04-07', '1955-11-23', 'else'],
    ['1980-04-07', 'unknown', 'missing'],
  ])('%s vs %s: %s', (a, b, expected) => {
    expect(levelLabel(dob, a, b)).toBe(expected);
  });
});

describe('swapped fields', () => {
  it('sees a first name and surname written the other way round', () => {
    const fields: MatchField[] = [
      { name: 'first', kind: 'name', levels: [{ type: 'exact' }, { type: 'swapped', with: 'last' }] },
      { name: 'last', kind: 'name', levels: [{ type: 'exact' }, { type: 'swapped', with: 'first' }] },
    ];
    const rows = [
      { first: 'Ward', last: 'Aisha' },
      { first: 'Aisha', last: 'Ward' },
      { first: 'Aisha', last: 'Wardle' },
    ];
    const comparators = comparatorsFor(fields, rows);
    const first = comparators.get('first')!;
    const last = comparators.get('last')!;
    expect(first.levels[first.compare(0, 1)]!.label).toBe('swapped with last');
    expect(last.levels[last.compare(0, 1)]!.label).toBe('swapped with first');
    // Only one direction agrees: not a swap.
    expect(first.levels[first.compare(0, 2)]!.label).toBe('else');
  });

  it('rejects a swapped level naming no field', () => {
    expect(() => comparatorsFor([{ name: 'first', kind: 'name', levels: [{ type: 'swapped', with: 'nope' }] }], [{ first: 'a' }])).toThrow(/not a field/);
  });
});

describe('other kinds', () => {
  it('compares phones as digits and emails by mailbox name', () => {
    expect(levelLabel({ name: 'p', kind: 'phone' }, '(201) 555-0123', '+1 201 555 0123')).toBe('exact');
    expect(levelLabel({ name: 'p', kind: 'phone' }, '2015550123', '2015550132')).toBe('levenshtein <= 2');
    expect(levelLabel({ name: 'e', kind: 'email' }, 'Jane.Doe@gmail.com', 'jane.doe@yahoo.com')).toBe('same mailbox name');
    expect(levelLabel({ name: 'n', kind: 'number' }, '100', '104')).toBe('within 5%');
  });
});
