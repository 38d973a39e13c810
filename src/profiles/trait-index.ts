/**
 * The trait search index: each live profile's golden scalar traits (strings,
 * numbers, booleans) as lower-cased text, so that support agents can find
 * people by a trait value. The entries are computed here, from the golden
 * record under the configured survivorship rules, whenever a profile's record
 * is committed; the store only keeps them. A search re-checks the golden value
 * it reads, so an entry made stale (say, by a survivorship rule changed in the
 * config) never answers wrongly.
 */
import type { TraitIndexEntry } from '../store/index.js';
import { compareStrings } from './plain-data.js';
import { goldenTraits, type ProfileRules, type ProfileState } from './state.js';

export type TraitMatch = 'exact' | 'prefix';

/** Longer values are indexed by their start; a search re-checks the whole value. */
const maxIndexedChars = 256;
/** Bumped when what `traitIndexEntries` computes changes, so that stored indexes are rebuilt. */
const indexVersion = 1;

/**
 * What the index entries depend on besides the profile state: the
 * survivorship rules and the entry format. A stored index built under
 * another key is stale.
 */
export function traitIndexKey(rules: ProfileRules): string {
  const traits = [...rules.traits].sort(([a], [b]) => compareStrings(a, b));
  return JSON.stringify({ indexVersion, traits });
}

/** The searchable text of a value: lower-cased, cut to 256 characters (code points, never half a pair). */
export function indexText(text: string): string {
  const lower = text.toLowerCase();
  return lower.length <= maxIndexedChars ? lower : Array.from(lower).slice(0, maxIndexedChars).join('');
}

function kindOf(value: unknown): TraitIndexEntry['kind'] | undefined {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return undefined;
  }
}

/** What the index keeps of a profile: one entry per golden trait whose value is a scalar (null, arrays, objects are left out). */
export function traitIndexEntries(state: ProfileState, rules: ProfileRules): TraitIndexEntry[] {
  return Object.entries(goldenTraits(state, rules)).flatMap(([trait, { value }]) => {
    const kind = kindOf(value);
    return kind === undefined ? [] : [{ trait, text: indexText(String(value)), kind }];
  });
}

/**
 * Whether a golden value answers a search for `text`: equal to it (strings
 * case-insensitively, numbers and booleans by their JSON text, so `42` finds
 * 42 and `true` finds true) or, for `prefix`, a string starting with it.
 */
export function traitValueMatches(value: unknown, text: string, match: TraitMatch): boolean {
  const kind = kindOf(value);
  if (kind === undefined) return false;
  const have = String(value).toLowerCase();
  const want = text.toLowerCase();
  return match === 'exact' ? have === want : kind === 'string' && have.startsWith(want);
}
