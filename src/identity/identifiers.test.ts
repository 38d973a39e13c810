import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageTypes, type CollectedMessage, type IdentityConfig } from '../contracts/index.js';
import { identifierKey } from './identifier.js';
import {
  compareByPriority,
  extractIdentifiers,
  isBlocked,
  normalizeEmail,
  normalizePhone,
  resolveIdentityRules,
  type IdentityRules,
} from './identifiers.js';

const message = (fields: Partial<CollectedMessage> = {}): CollectedMessage => ({
  v: 1,
  messageId: 'm-1',
  type: 'identify',
  sourceId: 'src-1',
  channel: 'web',
  context: {},
  timestamp: '2026-11-24T09:30:00.000Z',
  receivedAt: '2026-11-24T09:30:00.000Z',
  ...fields,
});

/** The identifiers of a message as `type:value` keys, in output order. */
const keysOf = (fields: Partial<CollectedMessage>, config?: IdentityConfig): string[] =>
  extractIdentifiers(message(fields), resolveIdentityRules(config)).map(identifierKey);

const defaults = resolveIdentityRules(undefined);

/** The built-in blocked list as the spec states it, kept apart from the implementation's copy. */
const specBlockedValues = [
  '', 'null', 'undefined', 'none', 'nil', 'nan', 'n/a', 'na', '0', '-1', 'anonymous', 'unknown', 'test', 'guest', 'user',
  'true', 'false', '[object object]', 'test@test.com', 'test@example.com', 'example@example.com', 'email@example.com',
  'user@example.com', 'noemail@noemail.com', 'no@email.com', 'none@none.com', '00000000-0000-0000-0000-000000000000', 'idfa',
  '0000000000', '1234567890', '+10000000000', '+11111111111', '+15555555555',
];

describe('resolveIdentityRules', () => {
  it('gives the built-in types their default limit and priority', () => {
    expect(Object.fromEntries(defaults.types)).toEqual({
      user_id: { limit: 1, priority: 100 },
      email: { limit: 5, priority: 80 },
      phone: { limit: 5, priority: 70 },
      device_id: { limit: null, priority: 40 },
      advertising_id: { limit: null, priority: 30 },
      anonymous_id: { limit: null, priority: 10 },
    });
    expect(defaults.rule('email')).toEqual({ limit: 5, priority: 80 });
  });

  it('gives unknown types no limit and priority 0', () => {
    expect(defaults.rule('shoe_size')).toEqual({ limit: null, priority: 0 });
    expect(defaults.types.has('shoe_size')).toBe(false);
  });

  it('gives custom types limit null and priority 60 unless they say otherwise', () => {
    const rules = resolveIdentityRules({
      custom: [
        { type: 'loyalty_id', from: ['traits.loyaltyId'] },
        { type: 'crm_id', from: ['traits.crmId'], limit: 2, priority: 90 },
      ],
    });
    expect(rules.rule('loyalty_id')).toEqual({ limit: null, priority: 60 });
    expect(rules.rule('crm_id')).toEqual({ limit: 2, priority: 90 });
  });

  it('lets rules override the limit or the priority of built-in and custom types, keeping the other', () => {
    const rules = resolveIdentityRules({
      custom: [{ type: 'loyalty_id', from: ['traits.loyaltyId'], limit: 3 }],
      rules: { email: { limit: 1 }, device_id: { priority: 5, limit: 10 }, loyalty_id: { priority: 95 }, user_id: { limit: null } },
    });
    expect(rules.rule('email')).toEqual({ limit: 1, priority: 80 });
    expect(rules.rule('device_id')).toEqual({ limit: 10, priority: 5 });
    expect(rules.rule('loyalty_id')).toEqual({ limit: 3, priority: 95 });
    expect(rules.rule('user_id')).toEqual({ limit: null, priority: 100 });
  });

  it('lists a type named only in rules, over the unknown-type defaults', () => {
    const rules = resolveIdentityRules({ rules: { imported_id: { priority: 20 } } });
    expect(rules.types.get('imported_id')).toEqual({ limit: null, priority: 20 });
  });

  it('names an invalid pattern and says why', () => {
    expect(() => resolveIdentityRules({ blockedPatterns: ['^ok$', '(unclosed'] })).toThrow(
      /blockedPatterns\[1\] "\(unclosed" is not a valid regular expression: .*Unterminated group/,
    );
  });

  it('refuses an unknown phone region and a custom type declared twice', () => {
    expect(() => resolveIdentityRules({ phone: { defaultRegion: 'ZZ' } })).toThrow(/defaultRegion 'ZZ'/);
    expect(() =>
      resolveIdentityRules({ custom: [{ type: 'crm_id', from: ['traits.a'] }, { type: 'crm_id', from: ['traits.b'] }] }),
    ).toThrow(/'crm_id' twice/);
  });
});

describe('extractIdentifiers: where values come from', () => {
  const email = 'jane@example.org';
  const phone = '+12015550123';
  it.each<[string, Partial<CollectedMessage>, string]>([
    ['userId', { userId: 'u-1' }, 'user_id:u-1'],
    ['anonymousId', { anonymousId: 'a-1' }, 'anonymous_id:a-1'],
    ['traits.email', { traits: { email } }, `email:${email}`],
    ['context.traits.email', { context: { traits: { email } } }, `email:${email}`],
    ['properties.email', { type: 'track', event: 'Bought', properties: { email } }, `email:${email}`],
    ['traits.phone', { traits: { phone } }, `phone:${phone}`],
    ['context.traits.phone', { context: { traits: { phone } } }, `phone:${phone}`],
    ['properties.phone', { type: 'track', event: 'Bought', properties: { phone } }, `phone:${phone}`],
    ['context.device.id', { context: { device: { id: 'dev-1' } } }, 'device_id:dev-1'],
    ['context.device.advertisingId', { context: { device: { advertisingId: 'ad-1' } } }, 'advertising_id:ad-1'],
  ])('reads %s', (_path, fields, expected) => {
    expect(keysOf(fields)).toEqual([expected]);
  });

  it('reads nothing from a message without identifiers', () => {
    expect(keysOf({ traits: { name: 'Jane' }, context: { ip: '10.0.0.1' } })).toEqual([]);
  });

  it('reads custom types from each of their paths, nested ones included', () => {
    const config: IdentityConfig = {
      custom: [
        { type: 'loyalty_id', from: ['traits.loyaltyId', 'context.traits.loyaltyId', 'properties.account.loyalty.id'] },
      ],
    };
    expect(keysOf({ traits: { loyaltyId: 'L-1' } }, config)).toEqual(['loyalty_id:L-1']);
    expect(keysOf({ context: { traits: { loyaltyId: 'L-2' } } }, config)).toEqual(['loyalty_id:L-2']);
    expect(keysOf({ properties: { account: { loyalty: { id: 'L-3' } } } }, config)).toEqual(['loyalty_id:L-3']);
    // A missing level, a scalar or an array in the way: nothing, not an error.
    expect(keysOf({ properties: { account: { loyalty: 'L-4' } } }, config)).toEqual([]);
    expect(keysOf({ properties: { account: [{ loyalty: { id: 'L-5' } }] } }, config)).toEqual([]);
    expect(keysOf({ properties: {} }, config)).toEqual([]);
  });

  it('adds the paths of a custom entry named like a built-in type to that type, normalized as that type', () => {
    const config: IdentityConfig = { custom: [{ type: 'email', from: ['traits.contact.mail'] }] };
    expect(keysOf({ traits: { contact: { mail: ' Jane@Example.ORG ' } } }, config)).toEqual(['email:jane@example.org']);
    expect(resolveIdentityRules(config).rule('email')).toEqual({ limit: 5, priority: 80 });
  });

  it('never reads inherited properties', () => {
    const config: IdentityConfig = { custom: [{ type: 'crm_id', from: ['traits.constructor.name'] }] };
    expect(keysOf({ traits: {} }, config)).toEqual([]);
  });

  it('takes finite numbers as their decimal digits', () => {
    const config: IdentityConfig = { custom: [{ type: 'crm_id', from: ['traits.crmId', 'traits.big', 'traits.ratio'] }] };
    expect(keysOf({ traits: { crmId: 12345, big: 1e21, ratio: 12.5 } }, config)).toEqual([
      'crm_id:1000000000000000000000',
      'crm_id:12.5',
      'crm_id:12345',
    ]);
    expect(keysOf({ traits: { phone: 2015550123 } })).toEqual(['phone:+12015550123']);
  });

  it('ignores objects, arrays, booleans, null and non-finite numbers', () => {
    const config: IdentityConfig = {
      custom: [{ type: 'crm_id', from: ['traits.a', 'traits.b', 'traits.c', 'traits.d', 'traits.e', 'traits.f'] }],
    };
    const traits = { a: { id: 'x' }, b: ['x'], c: true, d: null, e: Number.NaN, f: Number.POSITIVE_INFINITY };
    expect(keysOf({ traits }, config)).toEqual([]);
  });

  it('trims values', () => {
    expect(keysOf({ userId: '  u-1\t', context: { device: { id: '\ndev-1 ' } } })).toEqual(['user_id:u-1', 'device_id:dev-1']);
    expect(keysOf({ userId: '   ' })).toEqual([]);
  });

  it('types the previousId of an alias as anonymous_id by default', () => {
    expect(keysOf({ type: 'alias', userId: 'u-1', previousId: 'a-1' })).toEqual(['user_id:u-1', 'anonymous_id:a-1']);
  });

  it('types the previousId of an alias as user_id when configured', () => {
    expect(keysOf({ type: 'alias', userId: 'u-2', previousId: 'u-1' }, { aliasPreviousIdType: 'user_id' })).toEqual([
      'user_id:u-1',
      'user_id:u-2',
    ]);
  });

  it('ignores previousId outside alias messages', () => {
    expect(keysOf({ type: 'identify', userId: 'u-1', previousId: 'a-1' })).toEqual(['user_id:u-1']);
  });
});

describe('normalizeEmail', () => {
  const gmailDots = resolveIdentityRules({ email: { ignoreDotsForDomains: ['GMail.com '] } });
  const plusTags = resolveIdentityRules({ email: { stripPlusTags: true } });

  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Jane.Doe@Example.COM ', defaults)).toBe('jane.doe@example.com');
  });

  it.each(['jane', 'jane@', '@example.com', 'jane@example', 'jane@@example.com', 'ja@ne@example.com', 'ja ne@example.com',
    'jane@exa mple.com', 'jane@.com', 'jane@example.', 'jane@example..com'])('drops %j, which is not an email', (raw) => {
    expect(normalizeEmail(raw, defaults)).toBeUndefined();
  });

  it('removes dots from the local part only for configured domains', () => {
    expect(normalizeEmail('Jane.Doe@Gmail.com', gmailDots)).toBe('janedoe@gmail.com');
    expect(normalizeEmail('jane.doe@example.com', gmailDots)).toBe('jane.doe@example.com');
    expect(normalizeEmail('jane.doe@gmail.com', defaults)).toBe('jane.doe@gmail.com');
    expect(normalizeEmail('...@gmail.com', gmailDots)).toBeUndefined();
  });

  it('drops +tags only when configured', () => {
    expect(normalizeEmail('jane+news+2026@example.com', plusTags)).toBe('jane@example.com');
    expect(normalizeEmail('jane+news@example.com', defaults)).toBe('jane+news@example.com');
    expect(normalizeEmail('+news@example.com', plusTags)).toBeUndefined();
  });

  it('drops values that are not emails from messages', () => {
    expect(keysOf({ traits: { email: 'not an email' }, context: { traits: { email: 'Jane@Example.org' } } })).toEqual([
      'email:jane@example.org',
    ]);
  });
});

describe('normalizePhone', () => {
  it('reads numbers without + in the default region, US unless configured', () => {
    expect(normalizePhone('(201) 555-0123', defaults)).toBe('+12015550123');
    const gb = resolveIdentityRules({ phone: { defaultRegion: 'GB' } });
    expect(normalizePhone('020 7946 0958', gb)).toBe('+442079460958');
    expect(normalizePhone('07911 123456', gb)).toBe('+447911123456');
    expect(normalizePhone('020 7946 0958', defaults)).toBeUndefined();
  });

  it('reads numbers with + in their own country whatever the default region', () => {
    expect(normalizePhone('+44 20 7946 0958', defaults)).toBe('+442079460958');
    expect(normalizePhone(' +33 1 42 68 53 00 ', resolveIdentityRules({ phone: { defaultRegion: 'DE' } }))).toBe('+33142685300');
  });

  it.each(['12', '555-555-5555', '+1 123 456 7890', 'call me at 201 555 0123', 'phone', ''])('drops %j, which is not a valid number', (raw) => {
    expect(normalizePhone(raw, defaults)).toBeUndefined();
  });

  it('drops invalid phone numbers from messages', () => {
    expect(keysOf({ traits: { phone: '555-1234' }, properties: { phone: '201.555.0123' } })).toEqual(['phone:+12015550123']);
  });
});

describe('blocking', () => {
  it.each(specBlockedValues)('blocks %j in any case and with surrounding spaces, for every type', (value) => {
    for (const variant of [value, value.toUpperCase(), `  ${value} `]) {
      for (const type of ['user_id', 'anonymous_id', 'device_id', 'crm_id']) {
        expect(isBlocked(type, variant, defaults), `${type} ${JSON.stringify(variant)}`).toBe(true);
      }
    }
  });

  it('blocks the placeholders in messages, after normalization', () => {
    expect(keysOf({ userId: ' NULL ', anonymousId: 'Anonymous', context: { device: { id: 'undefined', advertisingId: 'IDFA' } } })).toEqual([]);
    expect(keysOf({ traits: { email: ' Test@Test.com ' }, context: { traits: { email: 'none@none.com' } } })).toEqual([]);
    expect(keysOf({ traits: { email: 'test+1@test.com' } }, { email: { stripPlusTags: true } })).toEqual([]);
    expect(keysOf({ traits: { email: 'user@example.com' } })).toEqual([]);
  });

  it('blocks the advertising id made of zeros whatever its layout, but not other ids made of zeros', () => {
    for (const zeros of ['00000000-0000-0000-0000-000000000000', '00000000000000000000000000000000', '000000000000']) {
      expect(isBlocked('advertising_id', zeros, defaults)).toBe(true);
    }
    expect(isBlocked('device_id', '000000000000', defaults)).toBe(false);
    expect(keysOf({ context: { device: { advertisingId: '0000-0000-0000', id: 'dev-1' } } })).toEqual(['device_id:dev-1']);
  });

  it('does not block real values', () => {
    expect(isBlocked('user_id', 'u-1', defaults)).toBe(false);
    expect(isBlocked('email', 'jane@example.com', defaults)).toBe(false);
    expect(isBlocked('advertising_id', '6D92078A-8246-4BA4-AE5B-76104861E7DC', defaults)).toBe(false);
  });

  it('blocks configured values case-insensitively, also in their normalized email and phone forms', () => {
    const config: IdentityConfig = {
      blockedValues: ['Shared-Kiosk', 'Front.Desk+x@Gmail.com', '(201) 555-0123'],
      email: { ignoreDotsForDomains: ['gmail.com'], stripPlusTags: true },
    };
    const rules = resolveIdentityRules(config);
    expect(isBlocked('user_id', ' shared-kiosk ', rules)).toBe(true);
    expect(isBlocked('user_id', 'shared-kiosk-2', rules)).toBe(false);
    expect(isBlocked('user_id', 'shared-kiosk', defaults)).toBe(false);
    expect(keysOf({ userId: 'SHARED-KIOSK', traits: { email: 'frontdesk@gmail.com', phone: '+1 201 555 0123' } }, config)).toEqual([]);
  });

  it('blocks values matching configured patterns, case-insensitively, tested on the normalized value', () => {
    const config: IdentityConfig = { blockedPatterns: ['^internal-\\d+$', '@example\\.net$'] };
    const rules = resolveIdentityRules(config);
    expect(isBlocked('user_id', 'Internal-7', rules)).toBe(true);
    expect(isBlocked('user_id', 'internal-7b', rules)).toBe(false);
    expect(keysOf({ userId: 'INTERNAL-42', anonymousId: 'a-1', traits: { email: ' QA@Example.NET' } }, config)).toEqual([
      'anonymous_id:a-1',
    ]);
  });
});

describe('ordering and deduplication', () => {
  const everything: Partial<CollectedMessage> = {
    userId: 'u-1',
    anonymousId: 'a-1',
    traits: { email: 'jane@example.org', phone: '+12015550123', loyaltyId: 'L-1' },
    context: { device: { id: 'dev-1', advertisingId: 'ad-1' } },
  };
  const loyalty: IdentityConfig = { custom: [{ type: 'loyalty_id', from: ['traits.loyaltyId'] }] };

  it('sorts by the default priorities, custom types at 60', () => {
    expect(keysOf(everything, loyalty)).toEqual([
      'user_id:u-1',
      'email:jane@example.org',
      'phone:+12015550123',
      'loyalty_id:L-1',
      'device_id:dev-1',
      'advertising_id:ad-1',
      'anonymous_id:a-1',
    ]);
  });

  it('sorts by overridden priorities', () => {
    const config: IdentityConfig = {
      ...loyalty,
      rules: { anonymous_id: { priority: 200 }, user_id: { priority: 0 }, loyalty_id: { priority: 85 } },
    };
    expect(keysOf(everything, config)).toEqual([
      'anonymous_id:a-1',
      'loyalty_id:L-1',
      'email:jane@example.org',
      'phone:+12015550123',
      'device_id:dev-1',
      'advertising_id:ad-1',
      'user_id:u-1',
    ]);
  });

  it('breaks priority ties by type, then by value', () => {
    const rules = resolveIdentityRules({ rules: { phone: { priority: 80 } } });
    const sorted = [
      { type: 'phone', value: '+12015550123' },
      { type: 'email', value: 'b@example.org' },
      { type: 'email', value: 'a@example.org' },
    ].sort((a, b) => compareByPriority(a, b, rules));
    expect(sorted.map(identifierKey)).toEqual(['email:a@example.org', 'email:b@example.org', 'phone:+12015550123']);
  });

  it('compares types and values by code unit, not by locale, so every machine agrees', () => {
    const sorted = ['b', 'a', 'B', 'é'].map((value) => ({ type: 'crm_id', value })).sort((a, b) => compareByPriority(a, b, defaults));
    expect(sorted.map(({ value }) => value)).toEqual(['B', 'a', 'b', 'é']);
  });

  it('keeps each type and value once', () => {
    expect(
      keysOf({
        type: 'alias',
        userId: 'u-1',
        previousId: 'a-1',
        anonymousId: 'a-1',
        traits: { email: 'Jane@Example.org' },
        context: { traits: { email: 'jane@example.org ' } },
      }),
    ).toEqual(['user_id:u-1', 'email:jane@example.org', 'anonymous_id:a-1']);
    // Same value, different types: two identifiers.
    expect(keysOf({ userId: 'x-1', anonymousId: 'x-1' })).toEqual(['user_id:x-1', 'anonymous_id:x-1']);
  });
});

describe('properties', () => {
  const placeholder = fc
    .constantFrom(...specBlockedValues, 'Shared-Kiosk', 'internal-9', 'qa@example.net')
    .chain((value) => fc.constantFrom(value, value.toUpperCase(), ` ${value}\t`));
  const plausible = fc.constantFrom(
    'u-1', 'a-1', 'Jane@Example.org', 'jane@example.org', 'jane.doe+news@gmail.com', 'janedoe@gmail.com',
    '+1 201 555 0123', '2015550123', '020 7946 0958', '0000-0000', 'L-1',
  );
  const anything = fc.oneof(
    placeholder,
    plausible,
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 2 }),
    fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
  );
  const id = fc.oneof(placeholder, plausible, fc.string());
  const personal = fc.record({ email: anything, phone: anything, loyaltyId: anything, account: fc.record({ id: anything }) }, { requiredKeys: [] });
  const anyMessage = fc
    .record(
      {
        type: fc.constantFrom(...messageTypes),
        userId: id,
        anonymousId: id,
        previousId: id,
        traits: personal,
        properties: personal,
        context: fc.record(
          { traits: personal, device: fc.record({ id: anything, advertisingId: anything }, { requiredKeys: [] }) },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['type', 'context'] },
    )
    .map((fields) => message(fields));
  const configs: IdentityConfig[] = [
    {},
    {
      custom: [{ type: 'loyalty_id', from: ['traits.loyaltyId', 'properties.account.id'] }],
      blockedValues: ['Shared-Kiosk'],
      blockedPatterns: ['^internal-', '@example\\.net$'],
      email: { ignoreDotsForDomains: ['gmail.com'], stripPlusTags: true },
      aliasPreviousIdType: 'user_id',
      rules: { anonymous_id: { priority: 100 } },
    },
  ];
  const allRules: IdentityRules[] = configs.map(resolveIdentityRules);
  const specBlocked = new Set(specBlockedValues);

  it('extractIdentifiers never returns a blocked value, and its output is sorted and duplicate-free', () => {
    fc.assert(
      fc.property(anyMessage, fc.constantFrom(...allRules), (msg, rules) => {
        const found = extractIdentifiers(msg, rules);
        for (const { type, value } of found) {
          expect(isBlocked(type, value, rules)).toBe(false);
          expect(specBlocked.has(value.trim().toLowerCase())).toBe(false);
          expect(value).toBe(value.trim());
        }
        expect(new Set(found.map(identifierKey)).size).toBe(found.length);
        for (let i = 1; i < found.length; i++) {
          expect(compareByPriority(found[i - 1]!, found[i]!, rules)).toBeLessThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('compareByPriority is a total order', () => {
    const rules = allRules[1]!;
    const identifier = fc.record({
      type: fc.constantFrom('user_id', 'email', 'anonymous_id', 'loyalty_id', 'shoe_size'),
      value: fc.constantFrom('a', 'b', 'B', 'é'),
    });
    fc.assert(
      fc.property(identifier, identifier, identifier, (a, b, c) => {
        const ab = compareByPriority(a, b, rules);
        expect(Math.sign(ab) + Math.sign(compareByPriority(b, a, rules))).toBe(0);
        expect(ab === 0).toBe(identifierKey(a) === identifierKey(b));
        if (ab < 0 && compareByPriority(b, c, rules) < 0) expect(compareByPriority(a, c, rules)).toBeLessThan(0);
      }),
    );
  });
});
