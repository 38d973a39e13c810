/**
 * Blocking: only records that agree on a rule's key are compared. Several
 * rules are unioned; a pair found by an earlier rule is not produced again by
 * a later one (it is skipped when the earlier rule's keys already agree), so
 * no set of pairs has to be kept. Blocks above a rule's maxBlockSize are
 * skipped and counted, never silently compared at quadratic cost.
 */
import { doubleMetaphone } from 'double-metaphone';
import type { BlockingRule, BlockingTerm, BlockingTransform } from '../../contracts/matching.js';
import type { FieldValues } from './field-values.js';
import { basicText } from './normalize.js';
import type { RecordTable } from './record-table.js';

export const DEFAULT_MAX_BLOCK_SIZE = 5000;

export interface CompiledRule {
  readonly name: string;
  /** Key id per record; -1 when a term is missing (the record is in no block of this rule). */
  readonly keys: Int32Array;
  readonly keyCount: number;
  readonly maxBlockSize: number;
  /** Key ids whose block was too large to compare. */
  readonly oversized: Uint8Array;
  /** Fields whose values the rule constrains (left out when m is estimated inside its blocks). */
  readonly fields: ReadonlySet<string>;
}

interface Term {
  readonly field: string;
  readonly transform: BlockingTransform;
  readonly length: number;
}

const termOf = (term: BlockingTerm): Term =>
  typeof term === 'string'
    ? { field: term, transform: 'value', length: 0 }
    : { field: term.field, transform: term.transform ?? 'value', length: term.length ?? 3 };

export function ruleName(rule: BlockingRule): string {
  return (
    rule.name ??
    rule.on
      .map(termOf)
      .map((t) => (t.transform === 'value' ? t.field : `${t.transform}${t.transform === 'prefix' || t.transform === 'suffix' ? t.length : ''}(${t.field})`))
      .join(' & ')
  );
}

function transformValue(value: string, term: Term): string | null {
  switch (term.transform) {
    case 'value':
      return value;
    case 'metaphone': {
      const code = doubleMetaphone(value.replace(/[^a-z]/g, ''))[0];
      return code === '' ? null : code;
    }
    case 'prefix':
      return value.slice(0, term.length);
    case 'suffix':
      return value.slice(-term.length);
    case 'year':
      return value.slice(0, 4);
    case 'digits': {
      const digits = value.replace(/\D/g, '');
      return digits === '' ? null : digits;
    }
    case 'sortedTokens':
      return value.split(' ').sort().join(' ');
    case 'firstToken':
      return value.split(' ')[0] ?? null;
    case 'lastToken':
      return value.split(' ').at(-1) ?? null;
  }
}

/** The per-record values of a term: a field's interned normalised values, else a column's values. */
function termValues(term: Term, table: RecordTable, fields: ReadonlyMap<string, FieldValues>): (i: number) => string | null {
  const field = fields.get(term.field);
  if (field) {
    const cache = new Map<number, string | null>();
    return (i) => {
      const id = field.ids[i]!;
      if (id < 0) return null;
      let key = cache.get(id);
      if (key === undefined) {
        key = transformValue(field.values[id]!, term);
        cache.set(id, key);
      }
      return key;
    };
  }
  const column = table.columns.get(term.field);
  if (!column) throw new Error(`blocking: '${term.field}' is neither a field nor a column`);
  return (i) => {
    const value = basicText(column[i] ?? '');
    return value === null ? null : transformValue(value, term);
  };
}

/** Computes a rule's key for every record. */
export function compileRule(rule: BlockingRule, table: RecordTable, fields: ReadonlyMap<string, FieldValues>): CompiledRule {
  const terms = rule.on.map(termOf);
  const getters = terms.map((t) => termValues(t, table, fields));
  const size = table.ids.length;
  const keys = new Int32Array(size);
  const index = new Map<string, number>();
  for (let i = 0; i < size; i++) {
    let key = '';
    let missing = false;
    for (let t = 0; t < getters.length; t++) {
      const v = getters[t]!(i);
      if (v === null || v === '') {
        missing = true;
        break;
      }
      key = t === 0 ? v : `${key}\u0001${v}`;
    }
    if (missing) {
      keys[i] = -1;
      continue;
    }
    let id = index.get(key);
    if (id === undefined) {
      id = index.size;
      index.set(key, id);
    }
    keys[i] = id;
  }
  const constrained = new Set(terms.map((t) => t.field).filter((f) => fields.has(f)));
  return {
    name: ruleName(rule),
    keys,
    keyCount: index.size,
    maxBlockSize: rule.maxBlockSize ?? DEFAULT_MAX_BLOCK_SIZE,
    oversized: new Uint8Array(index.size),
    fields: constrained,
  };
}

/** Which pairs may be compared at all. */
export interface PairScope {
  /** Source of each record; with `crossSourceOnly`, records of one source are never paired. */
  readonly sources?: Int32Array;
  readonly crossSourceOnly: boolean;
}

export interface BlockingStats {
  readonly rule: string;
  readonly pairs: number;
  readonly blocks: number;
  readonly skippedBlocks: number;
  readonly skippedRecords: number;
  readonly largestBlock: number;
}

/** Records grouped by key: members of block b are order[start[b]..start[b+1]). */
function groups(rule: CompiledRule): { order: Int32Array; start: Int32Array } {
  const start = new Int32Array(rule.keyCount + 1);
  for (const k of rule.keys) if (k >= 0) start[k + 1]! += 1;
  for (let k = 0; k < rule.keyCount; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, rule.keyCount);
  const order = new Int32Array(start[rule.keyCount]!);
  rule.keys.forEach((k, i) => {
    if (k >= 0) order[fill[k]!++] = i;
  });
  return { order, start };
}

/** Whether an earlier rule already produces the pair. */
function coveredBefore(rules: readonly CompiledRule[], upTo: number, i: number, j: number): boolean {
  for (let r = 0; r < upTo; r++) {
    const rule = rules[r]!;
    const k = rule.keys[i]!;
    if (k >= 0 && k === rule.keys[j]! && rule.oversized[k] === 0) return true;
  }
  return false;
}

/**
 * Calls `emit(i, j)` (i < j) once for each pair that some rule blocks
 * together, within the scope. Marks oversized blocks on the rules as it goes.
 */
export function forEachCandidatePair(
  rules: readonly CompiledRule[],
  scope: PairScope,
  emit: (i: number, j: number, rule: number) => void,
): BlockingStats[] {
  const stats: BlockingStats[] = [];
  const sources = scope.sources;
  const crossOnly = scope.crossSourceOnly && sources !== undefined;
  rules.forEach((rule, r) => {
    const { order, start } = groups(rule);
    let pairs = 0;
    let blocks = 0;
    let skippedBlocks = 0;
    let skippedRecords = 0;
    let largest = 0;
    for (let k = 0; k < rule.keyCount; k++) {
      const from = start[k]!;
      const to = start[k + 1]!;
      const size = to - from;
      if (size < 2) continue;
      if (size > rule.maxBlockSize) {
        rule.oversized[k] = 1;
        skippedBlocks++;
        skippedRecords += size;
        continue;
      }
      blocks++;
      if (size > largest) largest = size;
      for (let x = from; x < to; x++) {
        const a = order[x]!;
        for (let y = x + 1; y < to; y++) {
          const b = order[y]!;
          if (crossOnly && sources[a] === sources[b]) continue;
          const i = a < b ? a : b;
          const j = a < b ? b : a;
          if (r > 0 && coveredBefore(rules, r, i, j)) continue;
          emit(i, j, r);
          pairs++;
        }
      }
    }
    stats.push({ rule: rule.name, pairs, blocks, skippedBlocks, skippedRecords, largestBlock: largest });
  });
  return stats;
}

/** Whether records i and j share a block of `rule` that was compared. */
export const blockedTogether = (rule: CompiledRule, i: number, j: number): boolean => {
  const k = rule.keys[i]!;
  return k >= 0 && k === rule.keys[j]! && rule.oversized[k] === 0;
};
