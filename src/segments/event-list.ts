import type { EventMatch, Span } from '../contracts/index.js';
import type { EventFact, EventHistory } from './facts.js';
import { spanToMs, testValue, valueAt } from './values.js';

export const inWindow = (at: number, window: Span | undefined, now: number): boolean =>
  window === undefined || (at > now - spanToMs(window) && at <= now);

/**
 * Whether an event matches by name and property tests. Tests on event
 * properties are never relative to the evaluation time (check.ts refuses
 * within_last and birthday_in there), so a match is decided once, when the
 * event arrives.
 */
export const matchesEvent = (event: string, properties: Readonly<Record<string, unknown>>, match: EventMatch): boolean =>
  event === match.event && match.where.every((w) => testValue(valueAt(properties, w.property), w.test, { now: 0, timeZone: 'UTC' }));

/** The reference history: a list of events, scanned on every question. */
export function eventList(events: readonly EventFact[]): EventHistory {
  return {
    count(match, window, now) {
      let count = 0;
      for (const e of events) if (inWindow(e.timestamp, window, now) && matchesEvent(e.event, e.properties, match)) count++;
      return count;
    },
    sequence(first, then, within, window, now) {
      const gap = spanToMs(within);
      const firsts = events.filter((e) => inWindow(e.timestamp, window, now) && matchesEvent(e.event, e.properties, first));
      const thens = events.filter((e) => inWindow(e.timestamp, window, now) && matchesEvent(e.event, e.properties, then));
      return firsts.some((a) => thens.some((b) => b.timestamp > a.timestamp && b.timestamp <= a.timestamp + gap));
    },
    nextWindowChange(match, window, now) {
      return nextChangeOf(
        events.filter((e) => matchesEvent(e.event, e.properties, match)).map((e) => ({ t: e.timestamp })),
        spanToMs(window),
        now,
      );
    },
  };
}

/** For events at times `t` and a window of `windowMs`: the first moment after now one enters (t) or leaves (t + window). */
export function nextChangeOf(events: readonly { readonly t: number }[], windowMs: number, now: number): number | null {
  let next: number | null = null;
  for (const { t } of events) {
    if (t > now && (next === null || t < next)) next = t;
    const leaves = t + windowMs;
    if (leaves > now && (next === null || leaves < next)) next = leaves;
  }
  return next;
}
