import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { eventList } from './event-list.js';
import type { EventFact, ProfileFacts } from './facts.js';
import { parseCondition } from './parser.js';

const day = 86_400_000;
const facts = (overrides: Partial<ProfileFacts> = {}): ProfileFacts => ({
  traits: {},
  consent: {},
  identifierTypes: new Set(),
  channels: new Set(),
  segments: new Set(),
  timeZone: 'UTC',
  events: eventList([]),
  ...overrides,
});
const event = (name: string, timestamp: number, properties: Record<string, unknown> = {}): EventFact => ({ event: name, timestamp, properties });
const holds = (text: string, profile: ProfileFacts, now: number): boolean => evaluate(parseCondition(text), profile, now);

const now = Date.UTC(2026, 10, 24, 12, 0, 0);

describe('event windows', () => {
  it('include an event exactly at now and exclude one exactly a window ago', () => {
    const at = (offset: number) => facts({ events: eventList([event('Bought', now - offset)]) });
    expect(holds('performed "Bought" within last 30 days', at(0), now)).toBe(true);
    expect(holds('performed "Bought" within last 30 days', at(30 * day - 1), now)).toBe(true);
    expect(holds('performed "Bought" within last 30 days', at(30 * day), now)).toBe(false);
    expect(holds('performed "Bought" within last 30 days', at(-1), now)).toBe(false);
    expect(holds('performed "Bought"', at(-1), now)).toBe(true);
  });

  it('count rolling durations of 24 hours, across a daylight-saving change too', () => {
    // 2026-03-29: Berlin moves clocks forward; "last 1 day" is still exactly 24 hours.
    const dst = Date.UTC(2026, 2, 29, 12);
    const profile = facts({ timeZone: 'Europe/Berlin', events: eventList([event('Visit', dst - 24 * 3_600_000 + 1)]) });
    expect(holds('performed "Visit" within last 1 days', profile, dst)).toBe(true);
    expect(holds('performed "Visit" within last 23 hours', profile, dst)).toBe(false);
  });

  it('compares counts, including "never"', () => {
    const profile = facts({ events: eventList([event('Bought', now - day, { revenue: 80 }), event('Bought', now - 2 * day, { revenue: 20 })]) });
    expect(holds('count(event "Bought" where revenue > 50, last 30d) >= 1', profile, now)).toBe(true);
    expect(holds('count(event "Bought", last 30d) = 2', profile, now)).toBe(true);
    expect(holds('count(event "Refunded") = 0', profile, now)).toBe(true);
    expect(holds('not performed "Refunded"', profile, now)).toBe(true);
  });

  it('needs the second event of a sequence strictly after the first, at most the gap later', () => {
    const seq = (gap: number) => facts({ events: eventList([event('Added', now - day), event('Bought', now - day + gap)]) });
    expect(holds('performed "Added" then "Bought" within 1h', seq(3_600_000), now)).toBe(true);
    expect(holds('performed "Added" then "Bought" within 1h', seq(3_600_001), now)).toBe(false);
    expect(holds('performed "Added" then "Bought" within 1h', seq(0), now)).toBe(false);
    expect(holds('performed "Bought" then "Added" within 1h', seq(60_000), now)).toBe(false);
  });
});

describe('relative dates', () => {
  it('treat a date without a time zone as UTC, and dates without time as midnight', () => {
    const profile = facts({ traits: { signup: '2026-11-17T12:00:00', trial_end: '2026-11-24' } });
    expect(holds('trait.signup within last 7 days', profile, now)).toBe(false);
    expect(holds('trait.signup within last 7 days', profile, now + 1)).toBe(false);
    expect(holds('trait.signup within last 7 days', profile, now - 1)).toBe(true);
    expect(holds('trait.trial_end within last 12h', profile, now)).toBe(false);
    expect(holds('trait.trial_end within last 13h', profile, now)).toBe(true);
  });

  it('ignore values that are not real ISO dates', () => {
    const profile = facts({ traits: { a: '2026-02-30', b: 'yesterday', c: 1_700_000_000_000 } });
    for (const name of ['a', 'b', 'c']) expect(holds(`trait.${name} within last 1000 days`, profile, now)).toBe(false);
  });

  it("finds birthdays by calendar day in the person's time zone", () => {
    // 11:00 UTC on 24 November is already 25 November in Auckland.
    const at = Date.UTC(2026, 10, 24, 11);
    const profile = (timeZone: string) => facts({ timeZone, traits: { birthday: '1990-11-27' } });
    expect(holds('trait.birthday birthday in 2 days', profile('Pacific/Auckland'), at)).toBe(true);
    expect(holds('trait.birthday birthday in 2 days', profile('America/New_York'), at)).toBe(false);
    expect(holds('trait.birthday birthday in 3 days', profile('America/New_York'), at)).toBe(true);
    expect(holds('trait.birthday birthday in 0 days', facts({ traits: { birthday: '1990-11-24' } }), at)).toBe(true);
  });

  it('counts calendar days across a daylight-saving change', () => {
    // 00:30 local on 29 March 2026 in Berlin, the night the clocks go forward.
    const at = Date.UTC(2026, 2, 28, 23, 30);
    const profile = facts({ timeZone: 'Europe/Berlin', traits: { birthday: '1980-03-30' } });
    expect(holds('trait.birthday birthday in 1 days', profile, at)).toBe(true);
    expect(holds('trait.birthday birthday in 0 days', profile, at)).toBe(false);
  });

  it('celebrates 29 February on 28 February in other years, and wraps the year end', () => {
    const leapling = facts({ traits: { birthday: '1992-02-29' } });
    expect(holds('trait.birthday birthday in 1 days', leapling, Date.UTC(2026, 1, 27, 12))).toBe(true);
    expect(holds('trait.birthday birthday in 1 days', leapling, Date.UTC(2028, 1, 27, 12))).toBe(false);
    expect(holds('trait.birthday birthday in 3 days', facts({ traits: { birthday: '2001-01-02' } }), Date.UTC(2026, 11, 30, 12))).toBe(true);
  });
});

describe('value typing', () => {
  const profile = facts({ traits: { plan: 'pro', code: '5', score: 42, vip: true, tags: ['shoes', 3], empty: null } });

  it.each([
    ['trait.plan = "pro"', true],
    ['trait.plan = "Pro"', false],
    ['trait.code = 5', false],
    ['trait.score = 42', true],
    ['trait.score > 41.5', true],
    ['trait.score != "42"', true],
    ['trait.missing != "x"', false],
    ['trait.empty exists', false],
    ['trait.empty != 1', false],
    ['trait.vip = true', true],
    ['trait.plan in ["free", "pro"]', true],
    ['trait.score in ["42"]', false],
    ['trait.tags contains "shoes"', true],
    ['trait.tags contains "sho"', false],
    ['trait.plan contains "r"', true],
    ['trait.plan starts with "p"', true],
    ['trait.score between 42 and 50', true],
    ['trait.score between 43 and 50', false],
    ['trait.plan between "a" and "q"', true],
    ['not trait.missing exists', true],
  ])('%s is %s', (text, expected) => {
    expect(holds(text, profile, now)).toBe(expected);
  });
});

describe('profile facts', () => {
  it('checks segments, consent, identifiers and channels', () => {
    const profile = facts({
      segments: new Set(['VIP']),
      consent: { 'email:marketing': 'granted', 'sms:marketing': 'denied' },
      identifierTypes: new Set(['email']),
      channels: new Set(['pos']),
    });
    expect(holds('in segment "VIP" and consent(email, marketing) and has identifier email and seen on pos', profile, now)).toBe(true);
    expect(holds('consent(sms, marketing) or consent(push, marketing) or has identifier phone or seen on web', profile, now)).toBe(false);
  });
});
