/**
 * What a value test means, for the in-memory evaluator. sql.ts states the same
 * meaning in DuckDB SQL; the equivalence property test keeps the two equal.
 *
 * Typing is strict: a comparison between values of different JSON types is
 * false; a missing value and JSON null are "absent", and every test on an
 * absent value is false (so `not exists` is `not (... exists)`).
 */
import type { Scalar, Span, ValueTest } from '../contracts/index.js';

const spanMs: Record<Span['unit'], number> = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 };
export const spanToMs = (span: Span): number => span.amount * spanMs[span.unit];

type ScalarKind = 'string' | 'number' | 'boolean';
const kindOf = (value: unknown): ScalarKind | undefined => {
  const kind = typeof value;
  return kind === 'string' || kind === 'boolean' || (kind === 'number' && Number.isFinite(value)) ? (kind) : undefined;
};

/** Equal scalars of the same JSON type. */
export const sameScalar = (a: unknown, b: Scalar): boolean => kindOf(a) !== undefined && kindOf(a) === kindOf(b) && a === b;

/** -1, 0, 1 for scalars of the same type; undefined across types. */
function compare(a: unknown, b: Scalar): number | undefined {
  const kind = kindOf(a);
  if (kind === undefined || kind !== kindOf(b)) return undefined;
  const x = a as Scalar;
  return x < b ? -1 : x > b ? 1 : 0;
}

/**
 * ISO-8601 dates and date-times the SQL side casts identically: a date, or a
 * date-time with optional seconds, at most milliseconds, and an optional
 * offset; without an offset it is UTC.
 */
export const isoDatePattern = '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2})?)?$';
const isoDate = new RegExp(isoDatePattern);
const isoParts = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):(\d{2}))?)?$/;

/** Milliseconds since the epoch for an ISO string as defined above; undefined otherwise. */
export function parseIsoDate(value: unknown): number | undefined {
  if (typeof value !== 'string' || !isoDate.test(value)) return undefined;
  const m = isoParts.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', , sign, oh = '0', om = '0'] = m;
  const month = Number(mo);
  const day = Number(d);
  const utc = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0')));
  const check = new Date(Date.UTC(Number(y), month - 1, day));
  // 2024-02-30 is not a date (SQL refuses it too).
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  return utc - offset;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Building a formatter costs far more than using one: one per time zone, kept. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Calendar date (year, month, day) of an instant in a time zone. */
export function localDate(at: number, timeZone: string): { year: number; month: number; day: number } {
  const parts = formatterFor(timeZone).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part('year'), month: part('month'), day: part('day') };
}

/** Per time zone, the local day last asked about: from when it was asked, until its end (the next local midnight). */
const currentDays = new Map<string, { readonly from: number; readonly until: number; readonly date: ReturnType<typeof localDate> }>();

/**
 * The local date at `at` and the first instant of the next local day. The
 * evaluator asks about "now" again and again, in a few zones: the answer is
 * kept per zone and holds until that day ends.
 */
export function localDay(at: number, timeZone: string): { readonly date: ReturnType<typeof localDate>; readonly until: number } {
  const known = currentDays.get(timeZone);
  if (known !== undefined && at >= known.from && at < known.until) return known;
  const date = localDate(at, timeZone);
  // A local day lasts at most 25 hours: the next one starts within two days. Search for its first instant.
  let before = at;
  let after = at + 2 * 86_400_000;
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (localDate(middle, timeZone).day === date.day) before = middle;
    else after = middle;
  }
  const day = { from: at, until: after, date };
  if (currentDays.size >= 1_000) currentDays.clear();
  currentDays.set(timeZone, day);
  return day;
}

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * Whether a birthday (month and day of an ISO date, as written) falls on one
 * of the `days + 1` calendar days starting today in the profile's time zone.
 * A 29 February birthday is celebrated on 28 February in other years.
 */
export function birthdayWithin(value: unknown, days: number, now: number, timeZone: string): boolean {
  if (typeof value !== 'string' || parseIsoDate(value) === undefined) return false;
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  const today = localDay(now, timeZone).date;
  const start = Date.UTC(today.year, today.month - 1, today.day);
  for (let k = 0; k <= days; k++) {
    const date = new Date(start + k * 86_400_000);
    const [cy, cm, cd] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    if (cm === month && cd === day) return true;
    if (month === 2 && day === 29 && cm === 2 && cd === 28 && !isLeap(cy)) return true;
  }
  return false;
}

export interface TestContext {
  readonly now: number;
  readonly timeZone: string;
}

/** Applies a value test to a value (undefined when the trait or property is missing). */
export function testValue(value: unknown, test: ValueTest, context: TestContext): boolean {
  if (value === undefined || value === null) return false;
  switch (test.op) {
    case '=':
      return sameScalar(value, test.value);
    case '!=':
      return !sameScalar(value, test.value);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const order = compare(value, test.value);
      if (order === undefined) return false;
      return test.op === '<' ? order < 0 : test.op === '<=' ? order <= 0 : test.op === '>' ? order > 0 : order >= 0;
    }
    case 'in':
      return test.values.some((candidate) => sameScalar(value, candidate));
    case 'contains':
      if (typeof value === 'string') return value.includes(test.value);
      return Array.isArray(value) && value.some((item) => sameScalar(item, test.value));
    case 'starts_with':
      return typeof value === 'string' && value.startsWith(test.value);
    case 'exists':
      return true;
    case 'between': {
      const low = compare(value, test.low);
      const high = compare(value, test.high);
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case 'within_last': {
      const at = parseIsoDate(value);
      return at !== undefined && at > context.now - spanToMs(test.span) && at <= context.now;
    }
    case 'birthday_in':
      return birthdayWithin(value, test.days, context.now, context.timeZone);
  }
}

/** The value at a dotted path (each dot goes one object deeper, own keys only), or undefined. */
export function valueAt(object: unknown, path: string): unknown {
  let current: unknown = object;
  // Most paths name a top-level trait: no string to split.
  for (const key of path.includes('.') ? path.split('.') : [path]) {
    if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
