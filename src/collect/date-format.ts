/**
 * Dates as spreadsheets and exports write them, read strictly by a pattern:
 * `DD/MM/YYYY`, `MM/DD/YY`, `YYYY-MM-DD HH:mm:ss`, `MM/DD/YYYY h:mm A`...
 *
 * Tokens: YYYY (four-digit year), YY (two digits: 00-68 are 2000-2068 and
 * 69-99 are 1969-1999, the POSIX strptime rule), MM / M (month, two digits /
 * one or two), DD / D (day), HH / H (hour 0-23), hh / h (hour 1-12, with A),
 * mm (minutes), ss (seconds), SSS (fraction of a second, 1 to 9 digits), A
 * (AM or PM, any case), Z (UTC offset: Z, +01:00 or +0100). Anything else is
 * literal; [text] escapes letters. Letters that look like a misspelt token
 * (dd, yyyy, m) are refused rather than read as literals.
 *
 * Named formats: `iso` (ISO-8601 date or date-time), `unix` (seconds since
 * the epoch), `unix_ms` (milliseconds). A value must match the whole pattern
 * and name a real day (31/02 is refused). Times without an offset are UTC.
 *
 * Hand-written rather than a library: the needs are small (parse only, UTC,
 * strict), and libraries' lenient modes accept 31/02 or stray text.
 */
import { err, ok, type Result } from '../lib/result.js';

/** A parsed value: a calendar date (`date`, YYYY-MM-DD) when the format has no time of day, and always the instant. */
export interface ParsedDate {
  /** Milliseconds since the epoch (midnight UTC for a calendar date). */
  readonly ms: number;
  /** YYYY-MM-DD for formats without a time of day; undefined otherwise. */
  readonly date: string | undefined;
}

export interface DateFormat {
  readonly text: string;
  /** True when values carry a time of day (or are instants: iso date-times, unix). */
  readonly hasTime: boolean;
  /** The value read, or why it does not match. */
  parse(value: string | number): Result<ParsedDate, string>;
}

type Token =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'field'; readonly token: FieldToken };

type FieldToken = 'YYYY' | 'YY' | 'MM' | 'M' | 'DD' | 'D' | 'HH' | 'H' | 'hh' | 'h' | 'mm' | 'ss' | 'SSS' | 'A' | 'Z';

/** Longest first, so that YYYY is not read as YY YY. */
const fieldTokens: readonly FieldToken[] = ['YYYY', 'SSS', 'YY', 'MM', 'DD', 'HH', 'hh', 'mm', 'ss', 'M', 'D', 'H', 'h', 'A', 'Z'];
/** Letters that only appear in tokens: met outside one, they are a misspelt token. */
const tokenLetters = /[YyDdMmHhSsAaZ]/;

const digits: Partial<Record<FieldToken, readonly [number, number]>> = {
  YYYY: [4, 4],
  YY: [2, 2],
  MM: [2, 2],
  M: [1, 2],
  DD: [2, 2],
  D: [1, 2],
  HH: [2, 2],
  H: [1, 2],
  hh: [2, 2],
  h: [1, 2],
  mm: [2, 2],
  ss: [2, 2],
  SSS: [1, 9],
};

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;
const isoDateTime = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Compiles a format once; the error says what is wrong with the format
 * itself (a misspelt token, a time without hours...).
 */
export function compileDateFormat(text: string): Result<DateFormat, string> {
  if (text === 'iso') return ok({ text, hasTime: true, parse: parseIso });
  if (text === 'unix' || text === 'unix_ms') {
    const scale = text === 'unix' ? 1000 : 1;
    return ok({ text, hasTime: true, parse: (value) => parseEpoch(value, scale, text) });
  }
  const tokens = tokenize(text);
  if (!tokens.ok) return tokens;
  const fields = new Set(tokens.value.flatMap((t) => (t.kind === 'field' ? [t.token] : [])));
  const has = (...names: FieldToken[]) => names.some((name) => fields.has(name));
  if (!has('YYYY', 'YY') || !has('MM', 'M') || !has('DD', 'D')) return err(`"${text}" needs a year (YYYY or YY), a month (MM or M) and a day (DD or D)`);
  const twelveHour = has('hh', 'h');
  if (twelveHour !== has('A')) return err(`"${text}": hh/h (1-12) and A (AM/PM) go together; use HH for 0-23`);
  if (has('mm', 'ss', 'SSS', 'Z') && !has('HH', 'H', 'hh', 'h')) return err(`"${text}" has minutes, seconds or an offset but no hour`);
  const hasTime = has('HH', 'H', 'hh', 'h');
  return ok({ text, hasTime, parse: (value) => parsePattern(String(value), tokens.value, text, hasTime) });
}

function tokenize(text: string): Result<Token[], string> {
  const tokens: Token[] = [];
  const literal = (chars: string): void => {
    const last = tokens.at(-1);
    if (last?.kind === 'literal') tokens[tokens.length - 1] = { kind: 'literal', text: last.text + chars };
    else tokens.push({ kind: 'literal', text: chars });
  };
  const seen = new Set<string>();
  let i = 0;
  while (i < text.length) {
    if (text[i] === '[') {
      const close = text.indexOf(']', i + 1);
      if (close === -1) return err(`"${text}": the [ at position ${i + 1} is never closed`);
      literal(text.slice(i + 1, close));
      i = close + 1;
      continue;
    }
    const token = fieldTokens.find((t) => text.startsWith(t, i));
    if (token !== undefined) {
      const family = token === 'YYYY' || token === 'YY' ? 'year' : token[0]!.toUpperCase() === 'H' ? 'hour' : token === 'mm' ? 'minute' : token[0]!;
      if (seen.has(family)) return err(`"${text}" has ${token} twice`);
      seen.add(family);
      tokens.push({ kind: 'field', token });
      i += token.length;
      continue;
    }
    const char = text[i]!;
    if (tokenLetters.test(char)) {
      const run = /^[A-Za-z]+/.exec(text.slice(i))?.[0] ?? char;
      return err(`"${text}": "${run}" is not a token; the tokens are YYYY YY MM M DD D HH H hh h mm ss SSS A Z (put literal letters in [brackets])`);
    }
    literal(char);
    i += 1;
  }
  return ok(tokens);
}

interface Parts {
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
  fraction?: string;
  pm?: boolean;
  offsetMinutes?: number;
}

function parsePattern(value: string, tokens: readonly Token[], format: string, hasTime: boolean): Result<ParsedDate, string> {
  const parts: Parts = {};
  let at = 0;
  const mismatch = () => err(`"${value}" does not match ${format}`);
  for (const [index, token] of tokens.entries()) {
    if (token.kind === 'literal') {
      if (!value.startsWith(token.text, at)) return mismatch();
      at += token.text.length;
      continue;
    }
    const name = token.token;
    if (name === 'A') {
      const half = value.slice(at, at + 2).toUpperCase();
      if (half !== 'AM' && half !== 'PM') return mismatch();
      parts.pm = half === 'PM';
      at += 2;
      continue;
    }
    if (name === 'Z') {
      const offset = /^(?:Z|([+-])(\d{2}):?(\d{2}))/i.exec(value.slice(at));
      if (offset === null) return mismatch();
      parts.offsetMinutes = offset[1] === undefined ? 0 : (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]));
      at += offset[0].length;
      continue;
    }
    const [min, max] = digits[name] ?? [1, 2];
    // A variable-width number followed directly by another number cannot be split: take the minimum then.
    const next = tokens[index + 1];
    const greedy = next === undefined || next.kind === 'literal' || next.token === 'A' || next.token === 'Z';
    let end = at;
    while (end < value.length && end - at < max && value.charCodeAt(end) >= 48 && value.charCodeAt(end) <= 57) end++;
    if (!greedy && end - at > min) end = at + min;
    if (end - at < min) return mismatch();
    const text = value.slice(at, end);
    at = end;
    const n = Number(text);
    if (name === 'YYYY') parts.year = n;
    else if (name === 'YY') parts.year = n <= 68 ? 2000 + n : 1900 + n;
    else if (name === 'MM' || name === 'M') parts.month = n;
    else if (name === 'DD' || name === 'D') parts.day = n;
    else if (name === 'HH' || name === 'H' || name === 'hh' || name === 'h') parts.hour = n;
    else if (name === 'mm') parts.minute = n;
    else if (name === 'ss') parts.second = n;
    else parts.fraction = text;
  }
  if (at !== value.length) return mismatch();
  if (parts.pm !== undefined) {
    const hour = parts.hour ?? 0;
    if (hour < 1 || hour > 12) return err(`"${value}": hour ${hour} is not 1-12 (${format})`);
    parts.hour = (hour % 12) + (parts.pm ? 12 : 0);
  }
  return assemble(value, parts, hasTime);
}

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

function assemble(value: string, parts: Parts, hasTime: boolean): Result<ParsedDate, string> {
  const { year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0 } = parts;
  if (month < 1 || month > 12) return err(`"${value}": month ${month} is not 1-12`);
  if (day < 1 || day > daysIn(year, month)) return err(`"${value}": ${year}-${pad(month, 2)} has no day ${day}`);
  if (hour > 23 || minute > 59 || second > 59) return err(`"${value}" is not a time of day`);
  const millis = parts.fraction === undefined ? 0 : Math.floor(Number(`0.${parts.fraction}`) * 1000);
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  const ms = utc.getTime() - (parts.offsetMinutes ?? 0) * 60_000;
  return ok({ ms, date: hasTime ? undefined : `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` });
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function parseIso(value: string | number): Result<ParsedDate, string> {
  const text = String(value);
  const date = isoDate.exec(text);
  if (date) return assemble(text, { year: Number(date[1]), month: Number(date[2]), day: Number(date[3]) }, false);
  const time = isoDateTime.exec(text);
  if (time === null) return err(`"${text}" is not an ISO-8601 date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:mm:ssZ)`);
  const offset = time[8];
  let offsetMinutes = 0;
  if (offset !== undefined && offset.toUpperCase() !== 'Z') {
    const [, sign, hours, minutes] = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset) ?? [];
    offsetMinutes = (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes ?? 0));
  }
  const parts: Parts = {
    year: Number(time[1]),
    month: Number(time[2]),
    day: Number(time[3]),
    hour: Number(time[4]),
    minute: Number(time[5]),
    second: Number(time[6] ?? 0),
    offsetMinutes,
  };
  if (time[7] !== undefined) parts.fraction = time[7];
  return assemble(text, parts, true);
}

/** Latest instant a JavaScript Date holds. */
const maxMs = 8.64e15;

function parseEpoch(value: string | number, scale: number, format: string): Result<ParsedDate, string> {
  const n = typeof value === 'number' ? value : /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  const ms = Math.round(n * scale);
  if (!Number.isFinite(ms) || Math.abs(ms) > maxMs) return err(`"${value}" is not a ${format === 'unix' ? 'number of seconds' : 'number of milliseconds'} since 1970`);
  return ok({ ms, date: undefined });
}
