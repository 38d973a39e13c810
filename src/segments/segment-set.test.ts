import { describe, expect, it } from 'vitest';
import type { CollectedMessage } from '../contracts/index.js';
import { resolveProfileRules } from '../profiles/index.js';
import { aggregateHistory } from './aggregate-history.js';
import { parseCondition } from './parser.js';
import { SegmentSet } from './segment-set.js';

const rules = resolveProfileRules({ traitsFromEvents: [{ event: 'Plan Chosen', property: 'plan', trait: 'plan' }] });
const set = new SegmentSet(
  [
    ['on app', 'seen on ios'],
    ['with phone', 'has identifier phone'],
    ['emailable', 'consent(email, marketing)'],
    ['pro', 'trait.plan = "pro"'],
    ['buyers', 'performed "Order Completed"'],
    ['pro buyers', 'in segment "pro" and in segment "buyers"'],
  ].map(([name, text]) => ({ id: `seg_${name}`, name: name!, condition: parseCondition(text!) })),
);

const message = (overrides: Partial<CollectedMessage>): CollectedMessage => ({
  v: 1,
  messageId: 'm1',
  type: 'track',
  sourceId: 'src_web',
  channel: 'web',
  userId: 'u1',
  event: 'Page Viewed',
  context: {},
  timestamp: '2026-11-24T12:00:00.000Z',
  receivedAt: '2026-11-24T12:00:00.000Z',
  ...overrides,
});
const { event: _none, ...untracked } = message({});
const identify: CollectedMessage = { ...untracked, type: 'identify', traits: {} };
const affected = (overrides: Partial<CollectedMessage>, identifierTypes: string[] = ['user_id']) =>
  [...set.affectedBy(message(overrides), rules, new Set(identifierTypes))].sort();

describe('the segments a message may change', () => {
  it('are none for an event no segment reads, through a channel none asks about, with identifiers none tests', () => {
    expect(affected({})).toEqual([]);
  });

  it("include a channel's segments only for a message through it, and never for what Tessera says itself", () => {
    expect(affected({ channel: 'ios' })).toEqual(['on app']);
    expect(affected({ channel: 'ios', context: { tessera: { identifiers: ['user_id:u1'] } } })).toEqual([]);
  });

  it('include identifier tests for the types the message carries', () => {
    expect(affected({}, ['user_id', 'phone'])).toEqual(['with phone']);
  });

  it('include consent for a consent object or an identify, and traits for identifies and mapped event properties', () => {
    expect(affected({ context: { consent: { categoryPreferences: { Marketing: true } } } })).toEqual(['emailable']);
    expect([...set.affectedBy(identify, rules, new Set(['user_id']))].sort()).toEqual(['emailable', 'pro', 'pro buyers']);
    expect(affected({ event: 'Plan Chosen', properties: { plan: 'pro' } })).toEqual(['pro', 'pro buyers']);
  });

  it("include the segment's event readers and what is built on them", () => {
    expect(affected({ event: 'Order Completed' })).toEqual(['buyers', 'pro buyers']);
  });
});

describe('the next moment time alone changes a membership', () => {
  const day = 86_400_000;
  const now = Date.UTC(2026, 10, 24, 12);
  const observation = (t: number, id: string) => ({ t, id });

  it('is the earliest over every window and relative date, however many segments share them', () => {
    const shared = Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, name: `s${i}`, condition: parseCondition('performed "Order Completed" within last 7 days') }));
    const timed = new SegmentSet([
      ...shared,
      { id: 'signup', name: 'signup', condition: parseCondition('trait.signup_at within last 2 days and not performed "Order Completed" within last 30 days') },
    ]);
    const aggregates = Object.fromEntries(
      timed.aggregates().map((a) => [a.id, { kind: 'entries' as const, entries: [observation(now - 3 * day, 'o1')] }]),
    );
    const facts = {
      traits: { signup_at: new Date(now - 1.5 * day).toISOString() },
      consent: {},
      identifierTypes: new Set<string>(),
      channels: new Set<never>(),
      segments: new Set<string>(),
      timeZone: 'UTC',
      events: aggregateHistory(aggregates),
    };
    // The signup leaves its 2-day window in half a day, before the order leaves the 7-day one (in 4 days).
    expect(timed.nextChange(facts, now)).toBe(now + 0.5 * day);
    expect(timed.nextChange({ ...facts, traits: {} }, now)).toBe(now + 4 * day);
  });
});
