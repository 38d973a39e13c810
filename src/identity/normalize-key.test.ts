import { describe, expect, it } from 'vitest';
import { resolveIdentityRules } from './identifiers.js';
import { normalizeIdentifierKey } from './normalize-key.js';

const rules = resolveIdentityRules({ email: { stripPlusTags: true } });

describe('normalizeIdentifierKey', () => {
  it.each([
    [' email:Jane+news@Example.COM ', 'email:jane@example.com'],
    ['phone:(201) 555-0123', 'phone:+12015550123'],
    ['user_id: 42 ', 'user_id:42'],
    ['loyalty_id:A:B', 'loyalty_id:A:B'],
  ])('normalizes %s as the graph stores it', (key, expected) => {
    expect(normalizeIdentifierKey(key, rules)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['jane@example.com', /is not type:value/],
    ['Email:jane@example.com', /"Email" is not an identifier type/],
    ['email:not-an-email', /"not-an-email" is not a valid email/],
    ['phone:12', /is not a valid phone/],
    ['user_id:   ', /is not a valid user_id|is not type:value/],
  ])('says why %s is not an identifier', (key, message) => {
    const result = normalizeIdentifierKey(key, rules);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
  });
});
