/**
 * Normalisation of raw values before they are compared, per field kind. Equal
 * normalised values count as an exact match; `null` means the value is
 * missing, and a missing value neither supports nor opposes a match.
 */
import type { MatchFieldKind } from '../../contracts/matching.js';

const missing = new Set(['', 'null', 'na', 'n/a', 'nan', 'none', 'nil', '-', '?']);

/** Lower case, accents removed, and blanks collapsed; `null` for the usual spellings of nothing. */
export function basicText(raw: string): string | null {
  let text = raw.trim().toLowerCase();
  if (missing.has(text)) return null;
  if (/[^\x20-\x7e]/.test(text)) text = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  return text.replace(/\s+/g, ' ');
}

/** Names: letters, digits and single spaces; hyphens become spaces, other punctuation goes. */
function name(raw: string): string | null {
  const text = basicText(raw);
  if (text === null) return null;
  const cleaned = text.replace(/[-_/.,]+/g, ' ').replace(/[^a-z0-9 ]/g, '').replace(/ +/g, ' ').trim();
  return cleaned === '' ? null : cleaned;
}

/** Free text (addresses, towns): punctuation becomes a space. */
function text(raw: string): string | null {
  const t = basicText(raw);
  if (t === null) return null;
  const cleaned = t.replace(/[^a-z0-9 ]+/g, ' ').replace(/ +/g, ' ').trim();
  return cleaned === '' ? null : cleaned;
}

function phone(raw: string): string | null {
  let digits = raw.replace(/\D/g, '');
  if (digits.startsWith('00')) digits = digits.slice(2);
  if (digits.length > 10) digits = digits.slice(-10);
  return digits.length < 4 ? null : digits;
}

function postcode(raw: string): string | null {
  const t = basicText(raw);
  if (t === null) return null;
  const cleaned = t.replace(/[^a-z0-9]/g, '');
  return cleaned === '' ? null : cleaned;
}

function email(raw: string): string | null {
  const t = basicText(raw);
  if (t === null) return null;
  const cleaned = t.replace(/\s/g, '');
  return cleaned === '' ? null : cleaned;
}

function numberValue(raw: string): string | null {
  const t = raw.trim();
  if (t === '') return null;
  const n = Number(t.replace(/[\s,]/g, ''));
  return Number.isFinite(n) ? String(n) : null;
}

export type DateFormat = 'auto' | 'YYYYMMDD' | 'YYYY-MM-DD' | 'DD/MM/YYYY' | 'MM/DD/YYYY';

const pad = (part: string, width: number): string => part.padStart(width, '0');

/**
 * A date as the 8 digits YYYYMMDD. Invalid calendar dates (19371233) are kept,
 * since they still agree or disagree digit by digit; text that has no date
 * shape is `null`. Three columns (year, month, day) arrive joined by spaces.
 */
export function normalizeDate(raw: string, format: DateFormat = 'auto'): string | null {
  const t = raw.trim();
  if (t === '' || missing.has(t.toLowerCase())) return null;
  const parts = t.split(/[^0-9]+/).filter((p) => p !== '');
  if (parts.length === 1) {
    const [digits = ''] = parts;
    if (digits.length === 8 && format !== 'DD/MM/YYYY' && format !== 'MM/DD/YYYY') return digits;
    if (digits.length === 8 && format === 'DD/MM/YYYY') return digits.slice(4) + digits.slice(2, 4) + digits.slice(0, 2);
    if (digits.length === 8 && format === 'MM/DD/YYYY') return digits.slice(4) + digits.slice(0, 2) + digits.slice(2, 4);
    return null;
  }
  if (parts.length < 3) return null;
  const [a = '', b = '', c = ''] = parts;
  if (format === 'DD/MM/YYYY' || (format === 'auto' && c.length === 4 && Number(a) > 12)) return pad(c, 4) + pad(b, 2) + pad(a, 2);
  if (format === 'MM/DD/YYYY' || (format === 'auto' && c.length === 4)) return pad(c, 4) + pad(a, 2) + pad(b, 2);
  return pad(a, 4) + pad(b, 2) + pad(c, 2);
}

/** The normaliser of a field kind. */
export function normalizerFor(kind: MatchFieldKind, dateFormat: DateFormat = 'auto'): (raw: string) => string | null {
  switch (kind) {
    case 'name':
      return name;
    case 'text':
      return text;
    case 'exact':
      return basicText;
    case 'email':
      return email;
    case 'phone':
      return phone;
    case 'postcode':
      return postcode;
    case 'number':
      return numberValue;
    case 'date':
      return (raw) => normalizeDate(raw, dateFormat);
  }
}

/** Days since 1970-01-01 of a YYYYMMDD date, or NaN when it is not a calendar date. */
export function dayNumber(date: string): number {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(4, 6));
  const d = Number(date.slice(6, 8));
  if (!(m >= 1 && m <= 12 && d >= 1 && d <= 31)) return Number.NaN;
  const time = Date.UTC(y, m - 1, d);
  const check = new Date(time);
  if (check.getUTCDate() !== d) return Number.NaN;
  return time / 86_400_000;
}
