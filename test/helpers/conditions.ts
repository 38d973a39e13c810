/**
 * Random condition trees, profiles and events for the segment language's
 * property tests: small vocabularies so that conditions often hit, and values
 * of every JSON type so that the typing rules are exercised.
 */
import fc from 'fast-check';
import type { Channel, Condition, EventMatch, Scalar, Span, ValueTest } from '../../src/contracts/index.js';
import { eventList } from '../../src/segments/event-list.js';
import type { EventFact, ProfileFacts } from '../../src/segments/facts.js';

/** The night European clocks go forward: windows and birthdays cross a DST change. */
export const now = Date.UTC(2026, 2, 29, 1, 30);
const day = 86_400_000;
const zones = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Auckland', 'Europe/Berlin'];

const isoAround = fc.integer({ min: -400 * day, max: 30 * day }).map((offset) => new Date(now + offset).toISOString());
const dateOnly = fc.date({ min: new Date('1950-01-01'), max: new Date('2025-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const leapBirthday = fc.constantFrom('1992-02-29', '2000-02-29', '1990-03-29', '1985-03-30', '1970-12-31', '1999-01-01');
const stringValue = fc.constantFrom('pro', 'free', 'Pro', 'pro plus', '', 'p', 'ab', 'b');
// `+ 0` turns -0 into 0: JSON, the form definitions travel in, has no negative zero.
const scalar: fc.Arbitrary<Scalar> = fc.oneof(stringValue, fc.integer({ min: -5, max: 120 }), fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }).map((n) => n + 0), fc.boolean());
// Text that reads as a number is still text: a numeric test must not match it.
const numericText = fc.constantFrom('30', '7', '-2.5', '1e1', '0');
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  scalar,
  numericText,
  fc.constant(null),
  fc.array(fc.oneof(stringValue, fc.integer({ min: 0, max: 5 })), { maxLength: 4 }),
  isoAround,
  dateOnly,
  leapBirthday,
  fc.constant('2024-02-30'),
  fc.record({ city: stringValue }),
);

const span: fc.Arbitrary<Span> = fc.record({ amount: fc.integer({ min: 1, max: 40 }), unit: fc.constantFrom('minutes' as const, 'hours' as const, 'days' as const) });
const valueTest: fc.Arbitrary<ValueTest> = fc.oneof(
  fc.record({ op: fc.constantFrom('=' as const, '!=' as const, '<' as const, '<=' as const, '>' as const, '>=' as const), value: scalar }),
  fc.record({ op: fc.constant('in' as const), values: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
  fc.record({ op: fc.constantFrom('contains' as const, 'starts_with' as const), value: stringValue }),
  fc.constant({ op: 'exists' as const }),
  fc.oneof(
    fc.record({ op: fc.constant('between' as const), low: fc.integer({ min: -5, max: 60 }), high: fc.integer({ min: 0, max: 120 }) }),
    fc.record({ op: fc.constant('between' as const), low: stringValue, high: stringValue }),
  ),
  fc.record({ op: fc.constant('within_last' as const), span }),
  fc.record({ op: fc.constant('birthday_in' as const), days: fc.integer({ min: 0, max: 40 }) }),
);

const traitNames = ['plan', 'score', 'vip', 'tags', 'signup_at', 'birthday', 'address.city', 'missing'];
const eventNames = ['Viewed', 'Added', 'Bought'];
const propertyNames = ['revenue', 'currency', 'sku', 'when'];
/** Event filters are decided on arrival, so they never use the time-relative tests. */
const eventTest = valueTest.filter((t) => t.op !== 'within_last' && t.op !== 'birthday_in');
const eventMatch: fc.Arbitrary<EventMatch> = fc.record({
  event: fc.constantFrom(...eventNames),
  where: fc.array(fc.record({ property: fc.constantFrom(...propertyNames), test: eventTest }), { maxLength: 2 }),
});

const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ kind: fc.constant('trait' as const), trait: fc.constantFrom(...traitNames), test: valueTest }),
  fc.record({
    kind: fc.constant('event' as const),
    match: eventMatch,
    window: fc.option(span, { nil: undefined }),
    count: fc.record({ op: fc.constantFrom('=' as const, '!=' as const, '<' as const, '<=' as const, '>' as const, '>=' as const), value: fc.integer({ min: 0, max: 3 }) }),
  }).map(({ window, ...rest }) => (window === undefined ? rest : { ...rest, window })),
  fc.record({ kind: fc.constant('sequence' as const), first: eventMatch, then: eventMatch, within: span, window: fc.option(span, { nil: undefined }) }).map(
    ({ window, ...rest }) => (window === undefined ? rest : { ...rest, window }),
  ),
  fc.record({ kind: fc.constant('segment' as const), segment: fc.constantFrom('vip', 'churned') }),
  fc.record({
    kind: fc.constant('consent' as const),
    channel: fc.constantFrom('email' as const, 'sms' as const),
    purpose: fc.constantFrom('marketing' as const, 'transactional' as const),
  }),
  fc.record({ kind: fc.constant('identifier' as const), type: fc.constantFrom('email', 'phone') }),
  fc.record({ kind: fc.constant('channel' as const), channel: fc.constantFrom('web' as const, 'pos' as const) }),
);
export const condition: fc.Arbitrary<Condition> = fc.letrec<{ node: Condition }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), conditions: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('not' as const), condition: tie('node') }),
  ),
})).node;

// ---- profiles with events
const eventFact: fc.Arbitrary<EventFact> = fc.record({
  event: fc.constantFrom(...eventNames),
  timestamp: fc.integer({ min: -45 * day, max: day }).map((offset) => now + offset - (offset % 1000)),
  properties: fc.dictionary(fc.constantFrom(...propertyNames), anyValue, { maxKeys: 3 }),
});
/** A profile's facts, with the raw events its history answers from (the SQL side loads those). */
export interface ProfileCase {
  readonly facts: ProfileFacts;
  readonly events: readonly EventFact[];
}

export const profile: fc.Arbitrary<ProfileCase> = fc
  .record({
    traits: fc.dictionary(fc.constantFrom('plan', 'score', 'vip', 'tags', 'signup_at', 'birthday', 'address'), anyValue, { maxKeys: 6 }),
    consent: fc.dictionary(fc.constantFrom('email:marketing', 'sms:marketing', 'email:transactional'), fc.constantFrom('granted' as const, 'denied' as const)),
    identifierTypes: fc.uniqueArray(fc.constantFrom('email', 'phone', 'user_id')).map((a) => new Set(a)),
    channels: fc.uniqueArray(fc.constantFrom<Channel>('web', 'pos', 'ios')).map((a) => new Set(a)),
    segments: fc.uniqueArray(fc.constantFrom('vip', 'churned')).map((a) => new Set(a)),
    timeZone: fc.constantFrom(...zones),
    events: fc.array(eventFact, { maxLength: 8 }),
  })
  .map(({ events, ...rest }) => ({ facts: { ...rest, events: eventList(events) }, events }));
