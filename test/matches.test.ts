/**
 * Probabilistic matching of imported profiles, end to end: two CSV files of
 * the same people (typos, nicknames, swapped day and month) with no shared
 * key are imported from two sources; a match run links the clear pairs as
 * match edges, queues the doubtful ones for review; accepting merges the
 * profiles, rejecting keeps them apart in every later run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportMapping, Source } from '../src/contracts/index.js';
import type { MatchPair, MatchReviewPage } from '../src/contracts/match-api.js';
import { createImport, uploadImport, waitForImport } from './helpers/imports.js';
import { startTestTessera, type JsonBody, type TestTessera } from './helpers/tessera.js';

const firsts = ['james', 'mary', 'robert', 'patricia', 'john', 'jennifer', 'michael', 'linda', 'william', 'elizabeth', 'aisha', 'sven', 'priya', 'mateo', 'olga', 'kwame',
  'fatima', 'chen', 'ingrid', 'rahul', 'zofia', 'tomas', 'amara', 'yusuf', 'leila', 'dmitri', 'nia', 'oscar', 'hana', 'felix'];
const syllables = ['ok', 'af', 'lind', 'quen', 'naka', 'odu', 'gar', 'mar', 'kow', 'had', 'fitz', 'aber', 'thorn', 'wick', 'bel'];
const cities = ['leeds', 'bristol', 'york', 'bath', 'derby', 'hull', 'ely', 'truro', 'wells', 'ripon', 'perth', 'lincoln'];
const nicknames: Record<string, string> = { james: 'jim', robert: 'bob', william: 'bill', elizabeth: 'liz', michael: 'mike', patricia: 'trish', jennifer: 'jen', john: 'jack' };

interface Person {
  readonly first: string;
  readonly last: string;
  readonly dob: string;
  readonly city: string;
}

/** A fixed pseudo-random sequence (LCG): first names, surnames and towns drawn independently, as in life. */
let seed = 42;
const next = (n: number): number => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed % n;
};

/** 60 people with distinct surnames (from syllables) and birth dates. */
const people: Person[] = Array.from({ length: 60 }, (_, p) => ({
  first: firsts[next(firsts.length)]!,
  last: `${syllables[p % syllables.length]!}${syllables[Math.floor(p / syllables.length) + 3]!}${['er', 'ton', 'ley', 'man'][next(4)]!}`,
  dob: `19${50 + next(50)}-${String(1 + next(12)).padStart(2, '0')}-${String(1 + next(12)).padStart(2, '0')}`,
  city: cities[next(cities.length)]!,
}));

/** How the point-of-sale system holds person p: a typo, a nickname, day and month swapped, or as it is. */
function posVersion(person: Person, p: number): Person {
  switch (p % 4) {
    case 0:
      return person;
    case 1:
      return { ...person, last: person.last.slice(0, 2) + person.last.slice(3) };
    case 2:
      return { ...person, first: nicknames[person.first] ?? person.first.slice(0, -1) };
    default:
      return { ...person, dob: `${person.dob.slice(0, 4)}-${person.dob.slice(8, 10)}-${person.dob.slice(5, 7)}` };
  }
}

// Two doubtful pairs: the same name, no birth date on one side, and another town (moved? a namesake?).
const doubtful: [Person, Person][] = [
  [
    { first: 'henrietta', last: 'vandersloot', dob: '1966-02-14', city: 'leeds' },
    { first: 'henrietta', last: 'vandersloot', dob: '', city: 'hull' },
  ],
  [
    { first: 'cornelius', last: 'oyelaran', dob: '1972-09-30', city: 'bath' },
    { first: 'cornelius', last: 'oyelaran', dob: '', city: 'york' },
  ],
  [
    { first: 'philippa', last: 'zabrowski', dob: '1981-05-03', city: 'ely' },
    { first: 'philippa', last: 'zabrowski', dob: '', city: 'truro' },
  ],
];

const csv = (id: string, rows: [string, Person][]): string =>
  [`${id},first_name,last_name,birth_date,city`, ...rows.map(([key, p]) => `${key},${p.first},${p.last},${p.dob},${p.city}`)].join('\n') + '\n';
const crmRows: [string, Person][] = [...people.map((p, i): [string, Person] => [`c${i}`, p]), ...doubtful.map(([crm], k): [string, Person] => [`c-d${k}`, crm])];
// The POS system knows the first 40 people, and 10 the CRM does not.
const posRows: [string, Person][] = [
  ...people.slice(0, 40).map((p, i): [string, Person] => [`p${i}`, posVersion(p, i)]),
  ...Array.from({ length: 10 }, (_, k): [string, Person] => [`p-new${k}`, { first: firsts[(k * 3) % firsts.length]!, last: `newcombe${syllables[k]!}`, dob: `1990-0${1 + (k % 9)}-1${k}`, city: 'derby' }]),
  ...doubtful.map(([, pos], k): [string, Person] => [`p-d${k}`, pos]),
];

const mapping = (id: string): ImportMapping => ({
  identifiers: [{ column: id, type: id }],
  traits: [{ column: 'first_name' }, { column: 'last_name' }, { column: 'birth_date', type: 'date', format: 'YYYY-MM-DD' }, { column: 'city' }],
});

const config = {
  fields: [
    { name: 'first_name', kind: 'name' },
    { name: 'last_name', kind: 'name' },
    { name: 'birth_date', kind: 'date' },
    { name: 'city', kind: 'text' },
  ],
  blocking: [{ on: ['last_name'] }, { on: ['birth_date'] }, { on: ['first_name', 'city'] }],
  thresholds: { autoMerge: 0.99, review: 0.2 },
};

let tessera: TestTessera;
let dataDir: string;

const keysOf = (profile: JsonBody): string[] => (profile.identities as JsonBody[]).map((i) => `${i.type}:${i.value}`);

const profileOf = async (identifier: string): Promise<JsonBody> => {
  const found = await tessera.api<JsonBody>('GET', `/profiles?identifier=${encodeURIComponent(identifier)}`);
  expect(found.status).toBe(200);
  return found.body.profiles[0];
};

async function importFile(source: Source, id: string, rows: [string, Person][]): Promise<void> {
  const created = await createImport(tessera, { sourceId: source.id, format: 'csv', mapping: mapping(id) });
  expect((await uploadImport(tessera, created.id, csv(id, rows))).status).toBe(200);
  await waitForImport(tessera, created.id, (body) => body.profiles.pending === false);
}

const run = async (): Promise<JsonBody> => {
  const response = await tessera.api<JsonBody>('POST', '/matches/runs', { config });
  expect(response.status).toBe(201);
  await tessera.settled();
  return response.body;
};

const reviewQueue = async (): Promise<MatchPair[]> => {
  const response = await tessera.api<MatchReviewPage>('GET', '/matches/review?limit=500');
  expect(response.status).toBe(200);
  return response.body.pairs;
};

/** The queued pair between the profiles of two identifiers. */
const queued = (pairs: MatchPair[], a: string, b: string): MatchPair | undefined => pairs.find((p) => [a, b].every((key) => p.identifiers.includes(key)));

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tessera-matches-'));
  const configFile = join(dataDir, 'tessera.json');
  await writeFile(
    configFile,
    JSON.stringify({ identity: { custom: [{ type: 'crm_id', from: ['traits.crm_id'], limit: 1 }, { type: 'pos_id', from: ['traits.pos_id'], limit: 1 }] } }),
  );
  tessera = await startTestTessera({ dataDir, config: { configFile } });
  await importFile(await tessera.createSource('CRM', 'import'), 'crm_id', crmRows);
  await importFile(await tessera.createSource('Shop tills', 'import'), 'pos_id', posRows);
  await tessera.settled();
});

afterAll(async () => {
  await tessera.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('matching imported profiles with no shared key', { timeout: 120_000 }, () => {
  let first: JsonBody;

  it('links the clear pairs as match edges and queues the doubtful ones', async () => {
    // Before: every CRM record and its till record are two profiles.
    expect((await profileOf('crm_id:c0')).id).not.toBe((await profileOf('pos_id:p0')).id);
    first = await run();
    expect(first).toMatchObject({ profiles: crmRows.length + posRows.length, remembered: 0, thresholds: { autoMerge: 0.99, review: 0.2 } });
    expect(first.merged).toBeGreaterThanOrEqual(36);

    let linked = 0;
    for (let i = 0; i < 40; i++) if ((await profileOf(`crm_id:c${i}`)).id === (await profileOf(`pos_id:p${i}`)).id) linked++;
    expect(linked).toBeGreaterThanOrEqual(36);
    // Nobody new in the tills was merged into a CRM person.
    for (let k = 0; k < 10; k++) expect(keysOf(await profileOf(`pos_id:p-new${k}`))).toEqual([`pos_id:p-new${k}`]);

    const pairs = await reviewQueue();
    expect(queued(pairs, 'crm_id:c-d0', 'pos_id:p-d0')).toBeDefined();
    expect(queued(pairs, 'crm_id:c-d1', 'pos_id:p-d1')).toBeDefined();
    expect(queued(pairs, 'crm_id:c-d2', 'pos_id:p-d2')).toBeDefined();
    for (const pair of pairs) {
      expect(pair.status).toBe('review');
      expect(pair.probability).toBeGreaterThanOrEqual(0.2);
    }
  });

  it('shows the match edge, with its pair and score, in the merged profile history; split undoes it', async () => {
    const profile = await profileOf('crm_id:c4');
    expect(keysOf(profile)).toEqual(expect.arrayContaining(['crm_id:c4', 'pos_id:p4']));
    const history = (await tessera.api<JsonBody>('GET', `/profiles/${profile.id}/history`)).body.history as JsonBody[];
    const edge = history.find((h) => h.kind === 'merge' && h.cause.kind === 'match');
    expect(edge).toBeDefined();
    expect(Number(edge.cause.probability)).toBeGreaterThan(0.99);

    const explained = await tessera.api<JsonBody>('GET', `/matches/${edge.cause.pairId}`);
    expect(explained.status).toBe(200);
    expect(explained.body).toMatchObject({ id: edge.cause.pairId, status: 'merged', identifiers: expect.arrayContaining(['crm_id:c4', 'pos_id:p4']) });

    const split = await tessera.api<JsonBody>('POST', `/profiles/${profile.id}/split`, { identifiers: ['pos_id:p4'] });
    expect(split.status).toBe(200);
    expect((await profileOf('crm_id:c4')).id).not.toBe((await profileOf('pos_id:p4')).id);
  });

  it("explains a pair: each field's level and weight, summing to the pair's weight", async () => {
    const pair = queued(await reviewQueue(), 'crm_id:c-d0', 'pos_id:p-d0')!;
    const response = await tessera.api<MatchPair>('GET', `/matches/${pair.id}`);
    expect(response.status).toBe(200);
    const { explanation } = response.body;
    expect(explanation.factors.map((f) => f.factor).sort()).toEqual(['birth_date', 'city', 'first_name', 'last_name']);
    const byField = Object.fromEntries(explanation.factors.map((f) => [f.factor, f]));
    expect(byField.last_name).toMatchObject({ label: 'exact', values: [{ field: 'last_name', left: 'vandersloot', right: 'vandersloot' }] });
    expect(byField.last_name!.weight + byField.last_name!.termFrequencyAdjustment).toBeGreaterThan(0);
    expect(byField.city!.weight).toBeLessThan(0);
    const sum = explanation.factors.reduce((s, f) => s + f.weight + f.termFrequencyAdjustment, explanation.prior);
    expect(sum).toBeCloseTo(explanation.weight, 9);
    expect(response.body.weight).toBeCloseTo(explanation.weight, 9);
    expect((await tessera.api<JsonBody>('GET', '/matches/mp_nope')).status).toBe(404);
  });

  it('accepting a queued pair merges the profiles', async () => {
    const pair = queued(await reviewQueue(), 'crm_id:c-d0', 'pos_id:p-d0')!;
    const accepted = await tessera.api<JsonBody>('POST', `/matches/${pair.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', decidedBy: 'admin-api' });
    await tessera.settled();
    const merged = await profileOf('crm_id:c-d0');
    expect(keysOf(merged)).toEqual(expect.arrayContaining(['crm_id:c-d0', 'pos_id:p-d0']));
    // Deciding again the same way is a retry; the other way, a conflict.
    expect((await tessera.api<JsonBody>('POST', `/matches/${pair.id}/accept`)).status).toBe(200);
    expect((await tessera.api<JsonBody>('POST', `/matches/${pair.id}/reject`)).status).toBe(409);
  });

  it('a rejected pair leaves the queue and never comes back', async () => {
    const pair = queued(await reviewQueue(), 'crm_id:c-d1', 'pos_id:p-d1')!;
    const rejected = await tessera.api<JsonBody>('POST', `/matches/${pair.id}/reject`);
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    expect(queued(await reviewQueue(), 'crm_id:c-d1', 'pos_id:p-d1')).toBeUndefined();

    const again = await run();
    expect(again.remembered).toBeGreaterThanOrEqual(2);
    expect(queued(await reviewQueue(), 'crm_id:c-d1', 'pos_id:p-d1')).toBeUndefined();
    expect((await tessera.api<JsonBody>('GET', `/matches/${pair.id}`)).body.status).toBe('rejected');
    expect((await profileOf('crm_id:c-d1')).id).not.toBe((await profileOf('pos_id:p-d1')).id);
    // The split pair stays apart too: its decision (merged) is remembered, and the split forbids the link.
    expect((await profileOf('crm_id:c4')).id).not.toBe((await profileOf('pos_id:p4')).id);
  });

  it('settles a queued pair whose profiles were joined meanwhile by a shared identifier', async () => {
    const pair = queued(await reviewQueue(), 'crm_id:c-d2', 'pos_id:p-d2')!;
    const web = await tessera.createSource('Web', 'web');
    expect((await tessera.track('/v1/identify', web.writeKey, { anonymousId: 'anon-d2', traits: { crm_id: 'c-d2', pos_id: 'p-d2' } })).status).toBe(200);
    await tessera.settled();
    expect(queued(await reviewQueue(), 'crm_id:c-d2', 'pos_id:p-d2')).toBeUndefined();
    expect((await tessera.api<MatchPair>('GET', `/matches/${pair.id}`)).body).toMatchObject({ status: 'merged', decidedBy: 'identity-graph' });
  });

  it('refuses a config naming a trait no profile has, or a level that cannot work, saying where', async () => {
    const response = await tessera.api<JsonBody>('POST', '/matches/runs', { config: { ...config, fields: [{ name: 'shoe_size', kind: 'number' }], blocking: [{ on: ['shoe_size'] }] } });
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(/trait 'shoe_size' is not/);
    const swapped = { ...config, fields: [{ name: 'first_name', kind: 'name', levels: [{ type: 'swapped', with: 'nickname' }] }] };
    const located = await tessera.api<JsonBody>('POST', '/matches/runs', { config: swapped });
    expect(located.status).toBe(400);
    expect(located.body.message).toMatch(/^config\.fields\[0\]\.levels\[0\]\.with: must name another field/);
  });
});
