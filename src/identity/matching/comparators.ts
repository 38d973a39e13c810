/**
 * Field comparators: each turns a pair of records into a comparison level,
 * the first of the field's levels whose test passes (strongest first), the
 * "else" level after the last, or NULL_LEVEL when either value is missing.
 */
import { doubleMetaphone } from 'double-metaphone';
import type { MatchField, MatchFieldKind, MatchLevel } from '../../contracts/matching.js';
import type { FieldValues } from './field-values.js';
import { areNicknames, type NicknameIndex } from './nicknames.js';
import { dayNumber } from './normalize.js';
import { editsWithin, jaroWinkler, jaroWinklerBound, sortedCodes, tokenSimilarity, wordsOf } from './string-similarity.js';

/** The level of a pair where either value is missing: it contributes nothing. */
export const NULL_LEVEL = 255;

export interface LevelInfo {
  /** e.g. `exact`, `jaro-winkler >= 0.92`, `else`. */
  readonly label: string;
  readonly type: MatchLevel['type'] | 'else';
}

export interface FieldComparator {
  readonly name: string;
  readonly values: FieldValues;
  /** Levels in order; the last is `else`. */
  readonly levels: readonly LevelInfo[];
  /** Index of the `exact` level, where term frequencies apply; -1 when there is none. */
  readonly exactLevel: number;
  /** The level of records `i` and `j`, or NULL_LEVEL. */
  compare(i: number, j: number): number;
}

/** The levels a kind gets when the config lists none. */
export function defaultLevels(kind: MatchFieldKind): MatchLevel[] {
  switch (kind) {
    case 'name':
      return [
        { type: 'exact' },
        { type: 'nickname' },
        { type: 'levenshtein', max: 1 },
        { type: 'jaroWinkler', min: 0.92 },
        { type: 'phonetic' },
        { type: 'jaroWinkler', min: 0.8 },
      ];
    case 'text':
      return [{ type: 'exact' }, { type: 'levenshtein', max: 1 }, { type: 'jaroWinkler', min: 0.9 }, { type: 'tokens', min: 0.5 }, { type: 'jaroWinkler', min: 0.75 }];
    case 'exact':
      return [{ type: 'exact' }];
    case 'date':
      return [{ type: 'exact' }, { type: 'dayMonthSwapped' }, { type: 'levenshtein', max: 1 }, { type: 'withinDays', days: 366 }];
    case 'number':
      return [{ type: 'exact' }, { type: 'numberWithin', rel: 0.05 }, { type: 'numberWithin', rel: 0.25 }];
    case 'email':
      // Not Jaro-Winkler: addresses built from a first name (james.x@, james_y@) score high without being one person's.
      return [{ type: 'exact' }, { type: 'levenshtein', max: 1 }, { type: 'emailLocal' }];
    case 'phone':
      return [{ type: 'exact' }, { type: 'levenshtein', max: 1 }, { type: 'levenshtein', max: 2 }];
    case 'postcode':
      return [{ type: 'exact' }, { type: 'levenshtein', max: 1 }];
  }
}

export function levelLabel(level: MatchLevel): string {
  switch (level.type) {
    case 'jaroWinkler':
      return `jaro-winkler >= ${level.min}`;
    case 'levenshtein':
      return `levenshtein <= ${level.max}`;
    case 'tokens':
      return `shared words >= ${level.min}`;
    case 'withinDays':
      return `within ${level.days} days`;
    case 'swapped':
      return `swapped with ${level.with}`;
    case 'numberWithin':
      return `within ${level.abs !== undefined ? level.abs : `${(level.rel ?? 0) * 100}%`}`;
    case 'dayMonthSwapped':
      return 'day and month swapped';
    case 'emailLocal':
      return 'same mailbox name';
    default:
      return level.type;
  }
}

export interface ComparatorContext {
  readonly nicknames: NicknameIndex;
  /** Every field's values by name, for `swapped`. */
  readonly fields: ReadonlyMap<string, FieldValues>;
}

type Test = (va: number, vb: number, i: number, j: number) => boolean;

/** Per distinct value, computed on first use. */
function lazyPerValue<T>(values: readonly string[], derive: (value: string) => T): (id: number) => T {
  const cache: (T | undefined)[] = new Array<T | undefined>(values.length);
  return (id) => {
    let v = cache[id];
    if (v === undefined) {
      v = derive(values[id]!);
      cache[id] = v;
    }
    return v;
  };
}

/** Compiles a field's levels into its comparator. */
export function fieldComparator(field: MatchField, values: FieldValues, context: ComparatorContext): FieldComparator {
  const configured = field.levels ?? defaultLevels(field.kind);
  const text = values.values;
  const ids = values.ids;
  // Similarities computed once per pair, shared by every level that needs them.
  let memoA = -1;
  let memoB = -1;
  let jw = -1;
  let lev = -1;
  const similarity = (va: number, vb: number): void => {
    if (va !== memoA || vb !== memoB) {
      memoA = va;
      memoB = vb;
      jw = -1;
      lev = -1;
    }
  };
  const jaro = (va: number, vb: number): number => {
    similarity(va, vb);
    if (jw < 0) {
      const a = text[va]!;
      const b = text[vb]!;
      // Below every threshold the exact value does not matter; the bound often shows that cheaply.
      jw = jaroWinklerBound(a, b, codes(va), codes(vb)) < minJaro ? 0 : jaroWinkler(a, b);
    }
    return jw;
  };
  const edits = (va: number, vb: number): number => {
    similarity(va, vb);
    // Exact up to the largest maximum of the field's levels; beyond, maxEdits + 1.
    if (lev < 0) lev = editsWithin(text[va]!, text[vb]!, maxEdits);
    return lev;
  };
  const maxEdits = Math.max(0, ...configured.map((l) => (l.type === 'levenshtein' ? (l.max ?? 0) : 0)));
  const minJaro = Math.min(1, ...configured.map((l) => (l.type === 'jaroWinkler' ? (l.min ?? 1) : 1)));
  const codes = lazyPerValue(text, sortedCodes);
  const words = lazyPerValue(text, wordsOf);
  const phonetic = lazyPerValue(text, (v) => doubleMetaphone(v.replace(/[^a-z]/g, '')));
  const date = lazyPerValue(text, (v) => dayNumber(v));
  const number = lazyPerValue(text, (v) => Number(v));
  const local = lazyPerValue(text, (v) => v.slice(0, Math.max(0, v.indexOf('@'))) || v);

  const tests: Test[] = configured.map((level): Test => {
    switch (level.type) {
      case 'exact':
        return (va, vb) => va === vb;
      case 'nickname':
        return (va, vb) => areNicknames(context.nicknames, text[va]!, text[vb]!);
      case 'swapped': {
        const other = context.fields.get(level.with ?? '');
        if (!other) throw new Error(`field '${field.name}': swapped level names '${level.with}', which is not a field`);
        return (va, vb, i, j) => {
          const oa = other.ids[i]!;
          const ob = other.ids[j]!;
          return oa >= 0 && ob >= 0 && text[va] === other.values[ob] && other.values[oa] === text[vb];
        };
      }
      case 'jaroWinkler': {
        const min = level.min ?? 1;
        return (va, vb) => jaro(va, vb) >= min;
      }
      case 'levenshtein': {
        const max = level.max ?? 0;
        return (va, vb) => edits(va, vb) <= max;
      }
      case 'phonetic':
        return (va, vb) => {
          const [pa, sa] = phonetic(va);
          const [pb, sb] = phonetic(vb);
          return pa !== '' && (pa === pb || pa === sb || (sa !== '' && (sa === pb || sa === sb)));
        };
      case 'initial':
        return (va, vb) => {
          const a = text[va]!;
          const b = text[vb]!;
          return (a.length === 1 || b.length === 1) && a[0] === b[0];
        };
      case 'tokens': {
        const min = level.min ?? 1;
        return (va, vb) => tokenSimilarity(words(va), words(vb)) >= min;
      }
      case 'emailLocal':
        return (va, vb) => local(va) === local(vb);
      case 'dayMonthSwapped':
        return (va, vb) => {
          const a = text[va]!;
          const b = text[vb]!;
          return a.length === 8 && b.length === 8 && a.slice(0, 4) === b.slice(0, 4) && a.slice(4, 6) === b.slice(6, 8) && a.slice(6, 8) === b.slice(4, 6);
        };
      case 'withinDays': {
        const days = level.days ?? 0;
        return (va, vb) => Math.abs(date(va) - date(vb)) <= days;
      }
      case 'numberWithin': {
        const abs = level.abs;
        const rel = level.rel ?? 0;
        return (va, vb) => {
          const a = number(va);
          const b = number(vb);
          const gap = Math.abs(a - b);
          return abs !== undefined ? gap <= abs : gap <= rel * Math.max(Math.abs(a), Math.abs(b));
        };
      }
    }
  });
  const levels: LevelInfo[] = [...configured.map((l) => ({ label: levelLabel(l), type: l.type })), { label: 'else', type: 'else' as const }];
  const elseLevel = tests.length;
  return {
    name: field.name,
    values,
    levels,
    exactLevel: configured.findIndex((l) => l.type === 'exact'),
    compare(i, j) {
      const va = ids[i]!;
      const vb = ids[j]!;
      if (va < 0 || vb < 0) return NULL_LEVEL;
      for (let l = 0; l < tests.length; l++) if (tests[l]!(va, vb, i, j)) return l;
      return elseLevel;
    },
  };
}
