/**
 * `--auto`: proposes a matcher config from a table's column names and the
 * shapes of its values (a column of addresses with an @ is an email whatever
 * it is called). The proposal is a starting point to read and edit: fields
 * it recognises, their kinds, a swapped level when there are a first name and
 * a surname, and blocking rules from the most telling fields.
 */
import type { BlockingRule, MatchConfig, MatchField, MatchFieldKind, MatchLevel } from '../../contracts/matching.js';
import { defaultLevels } from './comparators.js';
import { normalizeDate } from './normalize.js';
import type { RecordTable } from './record-table.js';

type Role = 'first' | 'last' | 'fullName' | 'email' | 'phone' | 'date' | 'postcode' | 'town' | 'houseNumber' | 'address' | 'region' | 'gender' | 'nationalId';

const byName: readonly [RegExp, Role][] = [
  [/^(first|given|fore|christian)_?name|^f_?name|^givenname$|^first$/, 'first'],
  [/^(last|sur|family)_?name|^l_?name|^surname$|^last$/, 'last'],
  [/^(full_?)?name$|^(customer|person|contact)_?name$/, 'fullName'],
  [/e_?mail/, 'email'],
  [/ssn|soc_?sec|national_?(id|insurance)|passport|tax_?id/, 'nationalId'],
  [/phone|mobile|^tel|cell/, 'phone'],
  [/dob|birth|_date$|^date/, 'date'],
  [/zip|post_?code|postal/, 'postcode'],
  [/city|town|suburb|locality|birth_?place/, 'town'],
  [/^(street_|house_)?(number|no|num)$/, 'houseNumber'],
  [/address|street/, 'address'],
  [/^(state|county|region|province)$/, 'region'],
  [/^(gender|sex)$/, 'gender'],
];

const kindOf: Record<Role, MatchFieldKind> = {
  first: 'name',
  last: 'name',
  fullName: 'text',
  email: 'email',
  phone: 'phone',
  date: 'date',
  postcode: 'postcode',
  town: 'text',
  houseNumber: 'exact',
  address: 'text',
  region: 'exact',
  gender: 'exact',
  nationalId: 'exact',
};

/** Roles a table may hold several columns of (address lines); any other role is taken by its first column. */
const repeatable: ReadonlySet<Role> = new Set(['address']);

/** The share of a column's non-empty sample values that pass a test. */
function share(values: readonly string[], test: (v: string) => boolean): number {
  const present = values.filter((v) => v.trim() !== '');
  return present.length === 0 ? 0 : present.filter(test).length / present.length;
}

/** A role from the values alone, when the name said nothing. */
function roleByShape(values: readonly string[]): Role | undefined {
  if (share(values, (v) => /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(v.trim())) > 0.8) return 'email';
  // Before phones: 1980-04-07 is also seven or more digits with dashes.
  if (share(values, (v) => /[-/.]/.test(v) && normalizeDate(v) !== null) > 0.8) return 'date';
  if (share(values, (v) => /^\+?[\d\s().-]{7,20}$/.test(v.trim()) && v.replace(/\D/g, '').length >= 7) > 0.8) return 'phone';
  return undefined;
}

const sampleOf = (column: readonly string[]): string[] => column.slice(0, 1000);

/** The id column: named like one, else the first column when its values are unique. */
function idColumn(table: RecordTable): string | undefined {
  const named = table.columnNames.find((c) => /^(id|uid|.*_id|record_?id|rec_id|unique_id)$/i.test(c));
  if (named) return named;
  const first = table.columnNames[0];
  const values = first === undefined ? [] : (table.columns.get(first) ?? []);
  return first !== undefined && new Set(values).size === values.length ? first : undefined;
}

export interface ProposedConfig {
  readonly config: MatchConfig;
  /** Columns the proposal leaves out, for the user to check. */
  readonly ignored: readonly string[];
}

/** Proposes a config for `table`; throws when no column looks like something a person can be matched on. */
export function proposeConfig(table: RecordTable): ProposedConfig {
  const id = idColumn(table);
  const fields: (MatchField & { role: Role })[] = [];
  const ignored: string[] = [];
  const used = new Set<Role>();
  for (const column of table.columnNames) {
    if (column === id) continue;
    const lower = column.toLowerCase().replace(/[\s-]+/g, '_');
    const role = byName.find(([pattern]) => pattern.test(lower))?.[1] ?? roleByShape(sampleOf(table.columns.get(column) ?? []));
    // One field per role: a second email column is as likely a work address as a duplicate.
    if (role === undefined || (used.has(role) && !repeatable.has(role))) {
      ignored.push(column);
      continue;
    }
    // A column name that cannot be a field name gives the role's (numbered when the role repeats).
    const name = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(column) ? column : `${role}${used.has(role) ? fields.length : ''}`;
    used.add(role);
    fields.push({ name, ...(name !== column && { column }), kind: kindOf[role], role });
  }
  if (fields.length === 0) throw new Error(`no column looks like a name, email, phone, date or address (columns: ${table.columnNames.join(', ')})`);
  const first = fields.find((f) => f.role === 'first');
  const last = fields.find((f) => f.role === 'last');
  const nameOf = (role: Role): string | undefined => fields.find((f) => f.role === role)?.name;
  const withSwap = (field: MatchField, other: string, nicknames: boolean): MatchField => {
    // Nicknames are given names: Bob stands for Robert, never for a surname.
    const levels: MatchLevel[] = defaultLevels('name').filter((l) => nicknames || l.type !== 'nickname');
    return { ...field, levels: [levels[0]!, { type: 'swapped', with: other }, ...levels.slice(1)] };
  };
  const proposed: MatchField[] = fields.map(({ role, ...field }) => {
    if (first && last && role === 'first') return withSwap(field, last.name, true);
    if (first && last && role === 'last') return withSwap(field, first.name, false);
    return field;
  });

  const blocking: BlockingRule[] = [];
  const email = nameOf('email');
  const phone = nameOf('phone');
  const date = nameOf('date');
  const postcode = nameOf('postcode');
  const town = nameOf('town');
  const fullName = nameOf('fullName');
  const nationalId = nameOf('nationalId');
  if (nationalId) blocking.push({ on: [nationalId] });
  if (email) blocking.push({ on: [email] });
  if (phone) blocking.push({ on: [phone] });
  if (first && last) blocking.push({ on: [first.name, last.name] });
  if (fullName) blocking.push({ on: [{ field: fullName, transform: 'sortedTokens' }] });
  if (date && (last || first)) blocking.push({ on: [(last ?? first)!.name, date] });
  if (date && first && last) blocking.push({ on: [first.name, date] });
  if (postcode && last) blocking.push({ on: [postcode, { field: last.name, transform: 'metaphone' }] });
  if (town && first) blocking.push({ on: [town, { field: first.name, transform: 'prefix', length: 2 }] });
  if (blocking.length === 0) blocking.push(...proposed.slice(0, 2).map((f): BlockingRule => ({ on: [f.name] })));

  return { config: { version: 1, ...(id !== undefined && { id }), fields: proposed, blocking }, ignored };
}
