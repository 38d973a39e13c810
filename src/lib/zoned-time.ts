/**
 * Wall-clock time in IANA time zones, for what people mean by "9:00 local",
 * "tomorrow" or "quiet after 21:00" wherever they live, daylight saving
 * included.
 */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  /** 1 = Monday ... 7 = Sunday. */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const weekdays: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Building a formatter costs far more than using one: one per time zone, kept. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock in `timeZone` at instant `at` (ms since the epoch). */
export function wallClock(at: number, timeZone: string): WallClock {
  const parts = formatterFor(timeZone).formatToParts(at);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '0';
  return {
    year: Number(part('year')),
    month: Number(part('month')),
    day: Number(part('day')),
    hour: Number(part('hour')),
    minute: Number(part('minute')),
    weekday: weekdays[part('weekday')] ?? 1,
  };
}

const asUtc = (w: Pick<WallClock, 'year' | 'month' | 'day' | 'hour' | 'minute'>): number => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);

/**
 * The instant the wall clock in `timeZone` shows the given date and time. A
 * time skipped by a daylight-saving change (02:30 on the night clocks go
 * forward) becomes the first instant after the gap.
 */
export function instantOf(wall: Pick<WallClock, 'year' | 'month' | 'day' | 'hour' | 'minute'>, timeZone: string): number {
  const target = asUtc(wall);
  let guess = target;
  for (let i = 0; i < 3; i++) {
    const offset = asUtc(wallClock(guess, timeZone)) - guess;
    guess = target - offset;
  }
  // In a gap no instant shows the target; the loop lands an hour off, after the change.
  return guess;
}

/** Minutes since local midnight for "HH:MM". */
export const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The first instant at or after `from` when the local time is `hhmm`, on one of `days` (default every day). */
export function nextLocalTime(from: number, timeZone: string, hhmm: string, days: readonly number[] = [1, 2, 3, 4, 5, 6, 7]): number {
  const today = wallClock(from, timeZone);
  for (let offset = 0; offset <= 8; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const candidate = instantOf(
      { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: Number(hhmm.slice(0, 2)), minute: Number(hhmm.slice(3, 5)) },
      timeZone,
    );
    if (candidate >= from && days.includes(wallClock(candidate, timeZone).weekday)) return candidate;
  }
  throw new RangeError(`no local time ${hhmm} on days ${days.join(',')} within a week`);
}

/** Local midnight starting the day `daysBack` days before the day of `at`. */
export function localDayStart(at: number, timeZone: string, daysBack = 0): number {
  const today = wallClock(at, timeZone);
  const date = new Date(Date.UTC(today.year, today.month - 1, today.day - daysBack));
  return instantOf({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: 0, minute: 0 }, timeZone);
}
