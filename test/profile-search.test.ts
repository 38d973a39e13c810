/**
 * GET /api/v1/profiles?trait=&value=[&match=prefix][&limit=]: support agents
 * finding people by a golden trait value, through the whole server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile, Source } from '../src/contracts/index.js';
import { startTestTessera, type TestTessera } from './helpers/tessera.js';

let tessera: TestTessera;
let source: Source;

beforeAll(async () => {
  tessera = await startTestTessera();
  source = await tessera.createSource('Web', 'web');
});
afterAll(() => tessera.stop());

const identify = async (body: Record<string, unknown>): Promise<void> => {
  const res = await tessera.track('/v1/identify', source.writeKey, body);
  expect(res.status).toBe(200);
};

async function search(query: Record<string, string>): Promise<{ status: number; body: { profiles: Profile[]; details?: { field: string }[]; message?: string } }> {
  await tessera.settled();
  return tessera.api('GET', `/profiles?${new URLSearchParams(query).toString()}`);
}
const userIdsOf = (profiles: readonly Profile[]): string[] =>
  profiles.map((p) => p.identities.find((i) => i.type === 'user_id')?.value ?? `(${p.id})`);

describe('trait search', () => {
  beforeAll(async () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
    await identify({ userId: 'ts-1', traits: { lastName: 'Martin', city: 'Lyon', seats: 12, vip: true }, timestamp: at(1) });
    await identify({ userId: 'ts-2', traits: { lastName: 'MARTINEZ', city: 'Paris', seats: '12' }, timestamp: at(1) });
    await identify({ userId: 'ts-3', traits: { lastName: 'martin', city: 'Marseille', tags: ['martin'] }, timestamp: at(1) });
    // ts-4 was a Martin, is now a Dupont: only the golden (latest) value is found.
    await identify({ userId: 'ts-4', traits: { lastName: 'Martin' }, timestamp: at(1) });
    await identify({ userId: 'ts-4', traits: { lastName: 'Dupont' }, timestamp: at(2) });
  });

  it('finds the exact golden value, case-insensitively for strings', async () => {
    const res = await search({ trait: 'lastName', value: 'MARTIN' });
    expect(res.status).toBe(200);
    expect(userIdsOf(res.body.profiles).sort()).toEqual(['ts-1', 'ts-3']);
    expect(res.body.profiles[0]?.traits.lastName?.value).toMatch(/^martin$/i);
    expect(userIdsOf((await search({ trait: 'lastName', value: 'dupont' })).body.profiles)).toEqual(['ts-4']);
    expect((await search({ trait: 'lastName', value: 'mart' })).body.profiles).toEqual([]);
    expect((await search({ trait: 'lastname', value: 'martin' })).body.profiles).toEqual([]);
  });

  it('finds numbers and booleans by their text, whatever type the value had', async () => {
    expect(userIdsOf((await search({ trait: 'seats', value: '12' })).body.profiles).sort()).toEqual(['ts-1', 'ts-2']);
    expect(userIdsOf((await search({ trait: 'vip', value: 'true' })).body.profiles)).toEqual(['ts-1']);
  });

  it('with match=prefix finds string values starting with the value, in value order, up to limit', async () => {
    const all = await search({ trait: 'lastName', value: 'mart', match: 'prefix' });
    const ids = userIdsOf(all.body.profiles);
    expect(ids.slice(0, 2).sort()).toEqual(['ts-1', 'ts-3']);
    expect(ids[2]).toBe('ts-2');
    const limited = await search({ trait: 'lastName', value: 'mart', match: 'prefix', limit: '1' });
    expect(limited.body.profiles).toHaveLength(1);
    expect(userIdsOf((await search({ trait: 'city', value: 'MAR', match: 'prefix' })).body.profiles)).toEqual(['ts-3']);
    // Prefix search is for strings: the number 12 is not found by "1", the string "12" is.
    expect(userIdsOf((await search({ trait: 'seats', value: '1', match: 'prefix' })).body.profiles)).toEqual(['ts-2']);
  });

  it('leaves out arrays and drops a profile merged into another, which is found as the survivor', async () => {
    expect((await search({ trait: 'tags', value: 'martin' })).body.profiles).toEqual([]);
    await identify({ anonymousId: 'ts-anon', traits: { favoriteShop: 'Rue Mercière' } });
    await identify({ userId: 'ts-5', traits: { favoriteShop: 'rue mercière', lastName: 'Bernard' } });
    const before = (await search({ trait: 'favoriteShop', value: 'RUE MERCIÈRE' })).body.profiles;
    expect(before).toHaveLength(2);

    await identify({ userId: 'ts-5', anonymousId: 'ts-anon' });
    const after = (await search({ trait: 'favoriteShop', value: 'RUE MERCIÈRE' })).body.profiles;
    expect(after).toHaveLength(1);
    const [survivor] = after;
    expect(survivor?.identities).toEqual([
      { type: 'anonymous_id', value: 'ts-anon' },
      { type: 'user_id', value: 'ts-5' },
    ]);
    expect(before.map((p) => p.id).sort()).toEqual([survivor!.id, ...survivor!.mergedIds].sort());
  });

  it.each([
    [{ trait: 'lastName' }, 'querystring.value', 'required'],
    [{ value: 'martin' }, 'querystring.trait', 'required'],
    [{ trait: 'lastName', value: 'martin', match: 'fuzzy' }, 'querystring.match', 'enum'],
    [{ trait: 'lastName', value: '' }, 'querystring.value', 'minLength'],
    [{ trait: 'lastName', value: 'martin', limit: '0' }, 'querystring.limit', 'minimum'],
    [{ trait: 'lastName', value: 'martin', identifier: 'user_id:ts-1' }, 'querystring.identifier', 'exclusive'],
  ])('refuses %j with 400 naming %s', async (query, field, rule) => {
    const res = await search(query);
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field, rule })]);
    expect(res.body.message).toContain(field);
  });
});
