import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { survivorshipRules, type CollectedMessage, type ProfilesConfig } from '../contracts/index.js';
import {
  consentOf,
  contributionOf,
  emptyState,
  goldenTraits,
  mergeStates,
  resolveProfileRules,
  type ProfileRules,
  type ProfileState,
} from './state.js';

const at = (minute: number): string => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

let sequence = 0;
const message = (fields: Partial<CollectedMessage> & Pick<CollectedMessage, 'type'>): CollectedMessage => ({
  v: 1,
  messageId: `m${++sequence}`,
  sourceId: 'web',
  channel: 'web',
  context: {},
  timestamp: at(0),
  receivedAt: at(0),
  ...fields,
});
const identify = (traits: Record<string, unknown>, fields: Partial<CollectedMessage> = {}) => message({ type: 'identify', traits, ...fields });

const stateOf = (messages: readonly CollectedMessage[], rules: ProfileRules): ProfileState =>
  messages.map((m) => contributionOf(m, rules)).reduce(mergeStates, emptyState);
const goldenOf = (messages: readonly CollectedMessage[], config?: ProfilesConfig) => {
  const rules = resolveProfileRules(config);
  return goldenTraits(stateOf(messages, rules), rules);
};
/** The golden value of `trait`, checked to be the same in arrival order and in reverse. */
const survivingValue = (messages: readonly CollectedMessage[], trait: string, config?: ProfilesConfig): unknown => {
  const forward = goldenOf(messages, config);
  expect(goldenOf([...messages].reverse(), config)).toEqual(forward);
  return forward[trait]?.value;
};
const ruleFor = (trait: string, rule: (typeof survivorshipRules)[number], sources?: string[]): ProfilesConfig => ({
  traits: { [trait]: sources === undefined ? { rule } : { rule, sources } },
});

describe('survivorship rules', () => {
  const older = identify({ plan: 'free' }, { timestamp: at(1) });
  const newer = identify({ plan: 'pro' }, { timestamp: at(2) });

  it('latest keeps the newest event, even when an old update arrives after it', () => {
    const golden = goldenOf([newer, older]);
    expect(golden.plan).toEqual({ value: 'pro', rule: 'latest', lineage: { sourceId: 'web', messageId: newer.messageId, timestamp: at(2) } });
  });

  it('first keeps the oldest event, even when it arrives last', () => {
    expect(survivingValue([newer, older], 'plan', ruleFor('plan', 'first'))).toBe('free');
  });

  it('breaks equal timestamps by message id, then source id', () => {
    const a = identify({ plan: 'a' }, { messageId: 'x1', timestamp: at(5) });
    const b = identify({ plan: 'b' }, { messageId: 'x2', timestamp: at(5) });
    expect(survivingValue([a, b], 'plan')).toBe('b');
  });

  it('max and min order numbers numerically and strings by code unit', () => {
    const scores = [3, 10, 7].map((score, i) => identify({ score, code: String(score) }, { timestamp: at(i) }));
    expect(survivingValue(scores, 'score', ruleFor('score', 'max'))).toBe(10);
    expect(survivingValue(scores, 'score', ruleFor('score', 'min'))).toBe(3);
    expect(survivingValue(scores, 'code', ruleFor('code', 'max'))).toBe('7');
  });

  it('max and min order across types: null < boolean < number < string < array < object', () => {
    const values = [{ a: 1 }, [1], 'a', 5, true, null].map((value, i) => identify({ x: value }, { timestamp: at(i) }));
    expect(survivingValue(values, 'x', ruleFor('x', 'max'))).toEqual({ a: 1 });
    expect(survivingValue(values, 'x', ruleFor('x', 'min'))).toBeNull();
  });

  it('max keeps the latest lineage among equal values', () => {
    const early = identify({ score: 9 }, { timestamp: at(1) });
    const late = identify({ score: 9 }, { timestamp: at(3) });
    expect(goldenOf([late, early], ruleFor('score', 'max')).score?.lineage.messageId).toBe(late.messageId);
  });

  it('most_frequent counts distinct values, objects regardless of key order', () => {
    const messages = [{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 2 }].map((city, i) => identify({ city }, { timestamp: at(i) }));
    expect(survivingValue(messages, 'city', ruleFor('city', 'most_frequent'))).toEqual({ a: 1, b: 2 });
  });

  it('most_frequent breaks a tie by the value seen most recently', () => {
    const messages = ['a', 'b', 'b', 'a'].map((v, i) => identify({ v }, { timestamp: at(i) }));
    expect(survivingValue(messages, 'v', ruleFor('v', 'most_frequent'))).toBe('a');
    expect(survivingValue(messages.slice(0, 3), 'v', ruleFor('v', 'most_frequent'))).toBe('b');
  });

  it('union adds array elements and single values, sorted by canonical JSON, lineage of the latest addition', () => {
    const messages = [['b', 'a'], ['c', 'b'], 'd', []].map((tags, i) => identify({ tags }, { timestamp: at(i) }));
    const golden = goldenOf(messages, ruleFor('tags', 'union'));
    expect(golden.tags?.value).toEqual(['a', 'b', 'c', 'd']);
    expect(golden.tags?.lineage.messageId).toBe(messages[2]!.messageId);
    // Canonical JSON order: "10" sorts before "2", and strings (quoted) before numbers.
    expect(survivingValue([identify({ n: [2, 10, 'x'] })], 'n', ruleFor('n', 'union'))).toEqual(['x', 10, 2]);
  });

  it('group calls collect group ids into the groups union', () => {
    const groups = ['acme', 'globex', 'acme'].map((groupId, i) => message({ type: 'group', groupId, traits: { name: 'ignored' }, timestamp: at(i) }));
    expect(goldenOf(groups)).toEqual({
      groups: { value: ['acme', 'globex'], rule: 'union', lineage: { sourceId: 'web', messageId: groups[2]!.messageId, timestamp: at(2) } },
    });
  });

  describe('source_priority', () => {
    const config = ruleFor('email', 'source_priority', ['crm', 'web']);
    const fromCrm = identify({ email: 'old@crm' }, { sourceId: 'crm', timestamp: at(1) });
    const fromCrmLater = identify({ email: 'new@crm' }, { sourceId: 'crm', timestamp: at(2) });
    const fromWeb = identify({ email: 'web@x' }, { sourceId: 'web', timestamp: at(3) });
    const fromPos = identify({ email: 'pos@x' }, { sourceId: 'pos', timestamp: at(4) });

    it('takes the latest value of the most trusted source that has one', () => {
      expect(survivingValue([fromCrm, fromWeb, fromPos, fromCrmLater], 'email', config)).toBe('new@crm');
      expect(survivingValue([fromWeb, fromPos], 'email', config)).toBe('web@x');
    });

    it('falls back to the latest value of any source when no listed source has one', () => {
      const other = identify({ email: 'imp@x' }, { sourceId: 'import', timestamp: at(2) });
      expect(survivingValue([fromPos, other], 'email', config)).toBe('pos@x');
    });
  });

  it('reads data accumulated under another rule by the configured one, deterministically', () => {
    const asLatest = resolveProfileRules(undefined);
    const asFirst = resolveProfileRules(ruleFor('plan', 'first'));
    const old = stateOf([newer], asLatest);
    const fresh = stateOf([older], asFirst);
    const merged = mergeStates(old, fresh);
    expect(merged.traits.plan?.rule).toBe('mixed');
    expect(mergeStates(fresh, old)).toEqual(merged);
    expect(goldenTraits(merged, asFirst).plan?.value).toBe('free');
    expect(goldenTraits(merged, asLatest).plan?.value).toBe('pro');
  });
});

describe('contributionOf', () => {
  it('records channels, first and last seen, and counts messages', () => {
    const rules = resolveProfileRules(undefined);
    const state = stateOf(
      [message({ type: 'page', channel: 'web', timestamp: at(3) }), message({ type: 'track', event: 'X', channel: 'ios', timestamp: '2026-01-01T00:01:00Z' })],
      rules,
    );
    expect(state).toEqual({ traits: {}, consent: {}, channels: ['ios', 'web'], firstSeen: at(1), lastSeen: at(3), messages: 2, aggregates: {} });
  });

  it('turns mapped track properties into traits, through dotted paths', () => {
    const config: ProfilesConfig = {
      traitsFromEvents: [
        { event: 'Order Completed', property: 'order.total', trait: 'last_order_total' },
        { event: 'Order Completed', property: 'coupon', trait: 'coupon' },
      ],
    };
    const order = message({ type: 'track', event: 'Order Completed', properties: { order: { total: 42 } } });
    const other = message({ type: 'track', event: 'Signed Up', properties: { order: { total: 1 } }, timestamp: at(9) });
    expect(goldenOf([order, other], config)).toEqual({ last_order_total: { value: 42, rule: 'latest', lineage: expect.anything() } });
  });

  it('keeps nested values and null, skips undefined, and treats odd trait names as data', () => {
    const traits = JSON.parse('{"__proto__": "p", "constructor": 1, "address": {"city": "Oslo"}, "nick": null}');
    const golden = goldenOf([identify({ ...traits, gone: undefined })]);
    expect(Object.keys(golden).sort()).toEqual(['__proto__', 'address', 'constructor', 'nick']);
    expect(Object.getPrototypeOf(golden)).toBe(Object.prototype);
    expect(golden.address?.value).toEqual({ city: 'Oslo' });
    expect(golden.nick?.value).toBeNull();
  });
});

describe('consent', () => {
  const config: ProfilesConfig = {
    consent: {
      categories: { marketing: [{ channel: 'email', purpose: 'marketing' }, { channel: 'sms', purpose: 'marketing' }], ads: [{ channel: 'email', purpose: 'marketing' }] },
      traits: { email_opt_in: [{ channel: 'email', purpose: 'marketing' }] },
    },
  };
  const rules = resolveProfileRules(config);
  const preferences = (categoryPreferences: Record<string, unknown>, minute: number) =>
    message({ type: 'track', event: 'Consent Updated', context: { consent: { categoryPreferences } }, timestamp: at(minute) });

  it('maps Segment consent categories to channels and purposes', () => {
    const granted = preferences({ marketing: true, analytics: false }, 1);
    const consent = consentOf(stateOf([granted], rules));
    const entry = { state: 'granted', at: at(1), provenance: { sourceId: 'web', messageId: granted.messageId } };
    expect(consent.email).toEqual({ marketing: entry, transactional: null });
    expect(consent.sms.marketing).toEqual(entry);
    expect(consent.push).toEqual({ marketing: null, transactional: null });
  });

  it('lets the later statement win, whichever arrives first, from categories or traits', () => {
    const grant = preferences({ marketing: true }, 1);
    const deny = identify({ email_opt_in: false }, { timestamp: at(2) });
    for (const messages of [[grant, deny], [deny, grant]]) {
      const consent = consentOf(stateOf(messages, rules));
      expect(consent.email.marketing?.state).toBe('denied');
      expect(consent.sms.marketing?.state).toBe('granted');
    }
    const regrant = identify({ email_opt_in: true, email_opt_in_note: 'yes' }, { timestamp: at(3) });
    expect(consentOf(stateOf([regrant, deny, grant], rules)).email.marketing?.state).toBe('granted');
  });

  it('ignores non-boolean answers, and within one message denial wins', () => {
    expect(stateOf([preferences({ marketing: 'yes' }, 1)], rules).consent).toEqual({});
    expect(consentOf(stateOf([preferences({ marketing: true, ads: false }, 1)], rules)).email.marketing?.state).toBe('denied');
  });
});

// ---- properties ----------------------------------------------------------

const sources = ['web', 'crm', 'pos'];
const value = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, 1, 2, -1, 1.5, 'a', 'b', 'B', ''),
  fc.array(fc.constantFrom<unknown>(1, 2, 'a', 'b', null), { maxLength: 3 }),
  fc.constantFrom<unknown>({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, [[1, 2]], { n: { m: null } }),
);
const traitName = fc.constantFrom('email', 'plan', 'score', 'tags', 'groups', 'constructor', 'email_opt_in');
const traits = fc.dictionary(traitName, fc.oneof(value, fc.boolean()), { maxKeys: 4 });
const messageArb = fc
  .record({
    type: fc.constantFrom('identify', 'track', 'group', 'page'),
    messageId: fc.constantFrom('m1', 'm2', 'm3', 'm4'),
    sourceId: fc.constantFrom(...sources, 'import'),
    channel: fc.constantFrom('web', 'ios', 'crm', 'email'),
    minute: fc.integer({ min: 0, max: 5 }),
    withoutMillis: fc.boolean(),
    traits,
    event: fc.constantFrom('Order Completed', 'Signed Up'),
    properties: fc.record({ order: fc.record({ total: value }), plan: value }, { requiredKeys: [] }),
    groupId: fc.constantFrom('g1', 'g2'),
    categoryPreferences: fc.dictionary(fc.constantFrom('marketing', 'ads', 'analytics'), fc.oneof(fc.boolean(), fc.constant('yes'))),
  })
  .map((m): CollectedMessage => {
    const timestamp = m.withoutMillis ? at(m.minute).replace('.000Z', 'Z') : at(m.minute);
    const base = { v: 1 as const, messageId: m.messageId, sourceId: m.sourceId, channel: m.channel, timestamp, receivedAt: timestamp };
    const context = { consent: { categoryPreferences: m.categoryPreferences } };
    if (m.type === 'identify') return { ...base, type: 'identify', traits: m.traits, context };
    if (m.type === 'track') return { ...base, type: 'track', event: m.event, properties: m.properties, context };
    if (m.type === 'group') return { ...base, type: 'group', groupId: m.groupId, context: {} };
    return { ...base, type: 'page', context };
  });

const configArb: fc.Arbitrary<ProfilesConfig> = fc.record({
  traits: fc.dictionary(
    traitName,
    fc.record({ rule: fc.constantFrom(...survivorshipRules), sources: fc.shuffledSubarray(sources, { minLength: 1 }) }, { requiredKeys: ['rule'] }),
  ),
  traitsFromEvents: fc.shuffledSubarray([
    { event: 'Order Completed', property: 'order.total', trait: 'score' },
    { event: 'Order Completed', property: 'plan', trait: 'plan' },
    { event: 'Order Completed', property: 'plan', trait: 'score' },
  ]),
  consent: fc.constant({
    categories: { marketing: [{ channel: 'email' as const, purpose: 'marketing' as const }], ads: [{ channel: 'email' as const, purpose: 'marketing' as const }] },
    traits: { email_opt_in: [{ channel: 'email' as const, purpose: 'marketing' as const }] },
  }),
});

/** JSON with sorted keys: equal for deeply equal data, whatever the key order. */
const stableJson = (data: unknown): string =>
  JSON.stringify(data, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );

const deepFreeze = <T>(data: T): T => {
  if (data !== null && typeof data === 'object') {
    for (const member of Object.values(data)) deepFreeze(member);
    Object.freeze(data);
  }
  return data;
};

/** Merges `states` as a binary tree whose split points come from `splits`. */
function mergeTree(states: readonly ProfileState[], splits: readonly number[], depth = 0): ProfileState {
  if (states.length === 0) return emptyState;
  if (states.length === 1) return states[0]!;
  const at = 1 + ((splits[depth % splits.length] ?? 0) % (states.length - 1));
  return mergeStates(mergeTree(states.slice(0, at), splits, depth + 1), mergeTree(states.slice(at), splits, depth + 2));
}

/** Messages, each contributed under one of two configurations (as after a config change), and a second arrival order. */
const scenario = fc.record({
  items: fc.array(fc.record({ message: messageArb, order: fc.nat(), underSecond: fc.boolean() }), { maxLength: 14 }),
  configs: fc.tuple(configArb, configArb),
  splits: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
});

describe('state algebra (properties)', () => {
  it('gives the same state in any arrival order and grouping, as plain JSON, without mutating inputs', () => {
    fc.assert(
      fc.property(scenario, ({ items, configs, splits }) => {
        const rules = configs.map((config) => resolveProfileRules(config));
        const contributions = items.map(({ message: m, underSecond }) => deepFreeze(contributionOf(m, rules[underSecond ? 1 : 0]!)));
        const inOrder = contributions.reduce(mergeStates, emptyState);
        const shuffled = items.map((item, i) => ({ order: item.order, state: contributions[i]! })).sort((a, b) => a.order - b.order);
        const byTree = mergeTree(shuffled.map((s) => s.state), splits);
        expect(stableJson(byTree)).toBe(stableJson(inOrder));
        expect(JSON.parse(JSON.stringify(inOrder))).toEqual(inOrder);
        expect(JSON.stringify(byTree)).toBe(JSON.stringify(inOrder)); // even the key order agrees
      }),
      { numRuns: 400 },
    );
  });

  it('has emptyState as its neutral element', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 6 }), configArb, (messages, config) => {
        const state = stateOf(messages, resolveProfileRules(config));
        expect(stableJson(mergeStates(emptyState, state))).toBe(stableJson(state));
        expect(stableJson(mergeStates(state, emptyState))).toBe(stableJson(state));
      }),
    );
  });

  it('reads the same golden record whatever the merge order, under either configuration', () => {
    fc.assert(
      fc.property(scenario, ({ items, configs, splits }) => {
        const rules = configs.map((config) => resolveProfileRules(config));
        const contributions = items.map(({ message: m, underSecond }) => contributionOf(m, rules[underSecond ? 1 : 0]!));
        const inOrder = contributions.reduce(mergeStates, emptyState);
        const reordered = mergeTree(
          contributions.map((state, i) => ({ state, order: items[i]!.order })).sort((a, b) => a.order - b.order).map((s) => s.state),
          splits,
        );
        const stored = JSON.parse(JSON.stringify(reordered)) as ProfileState;
        for (const r of rules) {
          expect(stableJson(goldenTraits(reordered, r))).toBe(stableJson(goldenTraits(inOrder, r)));
          expect(stableJson(goldenTraits(stored, r))).toBe(stableJson(goldenTraits(inOrder, r)));
          expect(consentOf(reordered)).toEqual(consentOf(inOrder));
        }
      }),
      { numRuns: 400 },
    );
  });
});
