import { describe, expect, it } from 'vitest';
import { compileDateFormat } from './date-format.js';

const parse = (format: string, value: string | number) => {
  const compiled = compileDateFormat(format);
  if (!compiled.ok) throw new Error(compiled.error);
  return compiled.value.parse(value);
};
const dateOf = (format: string, value: string) => {
  const parsed = parse(format, value);
  return parsed.ok ? parsed.value.date : `error: ${parsed.error}`;
};
const instantOf = (format: string, value: string | number) => {
  const parsed = parse(format, value);
  return parsed.ok ? new Date(parsed.value.ms).toISOString() : `error: ${parsed.error}`;
};

describe('date formats', () => {
  it('reads day-first, month-first and ISO calendar dates', () => {
    expect(dateOf('DD/MM/YYYY', '31/12/1990')).toBe('1990-12-31');
    expect(dateOf('YYYY-MM-DD', '1990-12-31')).toBe('1990-12-31');
    expect(dateOf('MM/DD/YYYY', '12/31/1990')).toBe('1990-12-31');
    expect(dateOf('D.M.YYYY', '3.7.2001')).toBe('2001-07-03');
    expect(dateOf('D.M.YYYY', '03.07.2001')).toBe('2001-07-03');
    expect(dateOf('YYYYMMDD', '20010703')).toBe('2001-07-03');
  });

  it('reads two-digit years with the POSIX pivot: 00-68 are 20xx, 69-99 are 19xx', () => {
    expect(dateOf('MM/DD/YY', '07/04/68')).toBe('2068-07-04');
    expect(dateOf('MM/DD/YY', '07/04/69')).toBe('1969-07-04');
    expect(dateOf('MM/DD/YY', '02/29/00')).toBe('2000-02-29');
  });

  it('refuses days that do not exist, months out of range and stray text', () => {
    expect(dateOf('DD/MM/YYYY', '31/02/1990')).toMatch(/1990-02 has no day 31/);
    expect(dateOf('DD/MM/YYYY', '29/02/1900')).toMatch(/has no day 29/);
    expect(dateOf('DD/MM/YYYY', '29/02/2000')).toBe('2000-02-29');
    expect(dateOf('DD/MM/YYYY', '12/13/1990')).toMatch(/month 13 is not 1-12/);
    expect(dateOf('DD/MM/YYYY', '1/2/1990')).toMatch(/does not match DD\/MM\/YYYY/);
    expect(dateOf('DD/MM/YYYY', '01/02/1990 x')).toMatch(/does not match/);
    expect(dateOf('YYYY-MM-DD', '1990/12/31')).toMatch(/does not match/);
  });

  it('reads times of day, 12-hour clocks, fractions and offsets; times without an offset are UTC', () => {
    expect(instantOf('YYYY-MM-DD HH:mm:ss', '2024-03-14 14:05:09')).toBe('2024-03-14T14:05:09.000Z');
    expect(instantOf('MM/DD/YYYY h:mm A', '03/14/2024 2:05 PM')).toBe('2024-03-14T14:05:00.000Z');
    expect(instantOf('MM/DD/YYYY h:mm A', '03/14/2024 12:05 am')).toBe('2024-03-14T00:05:00.000Z');
    expect(instantOf('YYYY-MM-DD[T]HH:mm:ss.SSSZ', '2024-03-14T14:05:09.5+01:00')).toBe('2024-03-14T13:05:09.500Z');
    expect(instantOf('YYYY-MM-DDTHH:mm:ssZ', '2024-03-14T14:05:09Z')).toBe('2024-03-14T14:05:09.000Z');
    expect(instantOf('DD/MM/YYYY HH:mm', '14/03/2024 24:00')).toMatch(/not a time of day/);
    expect(instantOf('MM/DD/YYYY h:mm A', '03/14/2024 13:05 PM')).toMatch(/hour 13 is not 1-12/);
  });

  it('gives calendar dates only for formats without a time of day', () => {
    const date = parse('DD/MM/YYYY', '01/02/2003');
    expect(date.ok && date.value).toEqual({ ms: Date.UTC(2003, 1, 1), date: '2003-02-01' });
    const time = parse('DD/MM/YYYY HH:mm', '01/02/2003 10:00');
    expect(time.ok && time.value.date).toBeUndefined();
  });

  it('reads iso, unix and unix_ms', () => {
    expect(dateOf('iso', '2024-02-29')).toBe('2024-02-29');
    expect(dateOf('iso', '2023-02-29')).toMatch(/has no day 29/);
    expect(instantOf('iso', '2024-02-29T10:00:00+02:00')).toBe('2024-02-29T08:00:00.000Z');
    expect(instantOf('iso', '2024-02-29 10:00')).toBe('2024-02-29T10:00:00.000Z');
    expect(instantOf('iso', '29/02/2024')).toMatch(/not an ISO-8601 date/);
    expect(instantOf('unix', '1700000000')).toBe('2023-11-14T22:13:20.000Z');
    expect(instantOf('unix', 1700000000.5)).toBe('2023-11-14T22:13:20.500Z');
    expect(instantOf('unix_ms', '1700000000123')).toBe('2023-11-14T22:13:20.123Z');
    expect(instantOf('unix', 'soon')).toMatch(/not a number of seconds/);
  });

  it('refuses formats with misspelt tokens, missing parts or an unclosed bracket', () => {
    const problem = (format: string) => {
      const compiled = compileDateFormat(format);
      return compiled.ok ? 'compiled' : compiled.error;
    };
    expect(problem('dd/mm/yyyy')).toMatch(/"dd" is not a token/);
    expect(problem('YYYY-MM')).toMatch(/needs a year .*, a month .* and a day/);
    expect(problem('DD/MM/YYYY hh:mm')).toMatch(/hh\/h \(1-12\) and A \(AM\/PM\) go together/);
    expect(problem('DD/MM/YYYY [at HH')).toMatch(/never closed/);
    expect(problem('DD/MM/YYYY/DD')).toMatch(/has DD twice/);
    expect(problem('DD/MM/YYYY [at] HH:mm')).toBe('compiled');
  });
});
