/**
 * `tessera dedupe` and `tessera link` on small generated files: the CLI run as
 * a process, from source, the way a user runs it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../src/lib/csv.js';
import { runTessera } from './helpers/cli-process.js';

const firsts = ['james', 'mary', 'robert', 'patricia', 'john', 'jennifer', 'michael', 'linda', 'william', 'elizabeth', 'aisha', 'sven', 'priya', 'mateo', 'olga'];
const lasts = ['smith', 'johnson', 'okafor', 'lindqvist', 'quenneville', 'nakamura', 'oduya', 'garcia', 'martin', 'brown', 'kowalski', 'haddad'];

interface Person {
  readonly first: string;
  readonly last: string;
  readonly dob: string;
  readonly email: string;
}

/** 240 people with distinct names, deterministic. */
const people: Person[] = Array.from({ length: 240 }, (_, p) => {
  const first = firsts[p % firsts.length]!;
  const last = `${lasts[Math.floor(p / firsts.length) % lasts.length]!}${p >= firsts.length * lasts.length ? 'son' : ''}`;
  const dob = `19${50 + (p % 50)}-${String(1 + ((p * 5) % 12)).padStart(2, '0')}-${String(1 + ((p * 11) % 28)).padStart(2, '0')}`;
  return { first, last, dob, email: `${first}.${last}${p}@example.com` };
});
/** A second copy of a person as another system would hold it: a typo, swapped letters or day and month, no email. */
const variant = (person: Person, p: number): Person => ({
  first: p % 3 === 0 ? person.first.slice(0, -1) : person.first,
  last: p % 3 === 1 ? person.last.replace(/^(.)(.)/, '$2$1') : person.last,
  dob: p % 3 === 2 ? `${person.dob.slice(0, 4)}-${person.dob.slice(8, 10)}-${person.dob.slice(5, 7)}` : person.dob,
  email: '',
});

const csv = (header: string[], rows: string[][]): string => [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
const config = {
  id: 'id',
  fields: [
    { name: 'first_name', kind: 'name' },
    { name: 'last_name', kind: 'name' },
    { name: 'dob', kind: 'date' },
    { name: 'email', kind: 'email' },
  ],
  blocking: [{ on: ['first_name', 'last_name'] }, { on: ['dob'] }, { on: ['email'] }],
};

let dir: string;
const path = (name: string): string => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-cli-match-'));
  const header = ['id', 'first_name', 'last_name', 'dob', 'email'];
  const row = (id: string, p: Person): string[] => [id, p.first, p.last, p.dob, p.email];
  // customers.csv: every person once, and the first 80 a second time with an error.
  const rows = [...people.map((p, i) => row(`c${i}`, p)), ...people.slice(0, 80).map((p, i) => row(`d${i}`, variant(p, i)))];
  await writeFile(path('customers.csv'), csv(header, rows));
  // Link: a.csv holds every person; b.csv the first 120, altered, with ids of its own.
  await writeFile(path('a.csv'), csv(header, people.map((p, i) => row(`a${i}`, p))));
  await writeFile(path('b.csv'), csv(header, people.slice(0, 120).map((p, i) => row(`b${i}`, variant(p, i)))));
  await writeFile(path('config.json'), JSON.stringify(config));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readCsv(file: string): Promise<Record<string, string>[]> {
  const parsed = parseCsv(await readFile(file, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.error);
  const [head, ...rows] = parsed.records.map((r) => r.fields);
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i]!])));
}

describe('tessera dedupe', () => {
  it('writes a cluster id per record: the two records of a person share one, different people do not', async () => {
    const result = await runTessera(['dedupe', path('customers.csv'), '--config', path('config.json'), '--out', path('clusters.csv')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^320 records, \d+ candidate pairs compared: \d+ clusters .* wrote .*clusters\.csv/);
    const rows = await readCsv(path('clusters.csv'));
    expect(rows).toHaveLength(320);
    const cluster = new Map(rows.map((r) => [r.record_id!, r.cluster_id!]));
    let together = 0;
    for (let i = 0; i < 80; i++) if (cluster.get(`c${i}`) === cluster.get(`d${i}`)) together++;
    expect(together).toBeGreaterThanOrEqual(76);
    // No cluster holds two originals (two different people).
    const originals = people.map((_, i) => cluster.get(`c${i}`));
    expect(new Set(originals).size).toBe(people.length);
    expect(rows.find((r) => r.record_id === 'c100')?.cluster_size).toBe('1');
  });

  it('proposes a config with --auto that works as a --config', async () => {
    const printed = await runTessera(['dedupe', path('customers.csv'), '--auto']);
    expect(printed.code).toBe(0);
    const proposal = JSON.parse(printed.stdout) as { id: string; fields: { name: string; kind: string }[] };
    expect(proposal.id).toBe('id');
    expect(proposal.fields.map((f) => f.kind)).toEqual(['name', 'name', 'date', 'email']);

    const written = await runTessera(['dedupe', path('customers.csv'), '--auto', '--write-config', path('auto.json')]);
    expect(written.code).toBe(0);
    expect(written.stderr).toContain(`wrote the proposed config to ${path('auto.json')}`);
    const run = await runTessera(['dedupe', path('customers.csv'), '--config', path('auto.json'), '--out', path('auto-clusters.csv')]);
    expect(run.code).toBe(0);
    expect(await readCsv(path('auto-clusters.csv'))).toHaveLength(320);
  });

  it.each([
    [['dedupe', 'missing.csv', '--auto'], /^tessera: cannot read missing\.csv: ENOENT/],
    [['dedupe', '{customers}'], /^tessera: pass --config <file> \(see the README\) or --auto/],
    [['dedupe', '{customers}', '--config', '{config}'], /^tessera: pass --out <clusters\.csv>/],
    [['dedupe', '{customers}', '--config', '{bad}', '--out', '{x}'], /^tessera: invalid config:\n {2}.*bad\.json: fields\[0\]\.kind: must be one of "name"/],
    [['dedupe', '{customers}', '--config', '{wrongColumn}', '--out', '{x}'], /^tessera: the config does not fit the input:\n {2}fields\[0\]\.column: column 'given' is not in the input \(columns: id, first_name/],
  ])('fails clearly: %j', async (args, message) => {
    await writeFile(path('bad.json'), JSON.stringify({ ...config, fields: [{ name: 'first_name', kind: 'nickname' }] }));
    await writeFile(path('wrong-column.json'), JSON.stringify({ ...config, fields: [{ name: 'first_name', column: 'given', kind: 'name' }] }));
    const files: Record<string, string> = { customers: path('customers.csv'), config: path('config.json'), bad: path('bad.json'), wrongColumn: path('wrong-column.json'), x: path('x.csv') };
    const result = await runTessera(args.map((a) => a.replace(/^\{(\w+)\}$/, (_, k: string) => files[k]!)));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')[0]!.length).toBeLessThan(200);
  });
});

describe('tessera link', () => {
  it('writes the cross-file pairs with their match probability, true pairs linked', async () => {
    const result = await runTessera(['link', path('a.csv'), path('b.csv'), '--config', path('config.json'), '--out', path('pairs.csv')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^240 \+ 120 records, \d+ candidate pairs compared: \d+ pairs at or above probability 0\.1, \d+ linked/);
    const rows = await readCsv(path('pairs.csv'));
    expect(Object.keys(rows[0]!)).toEqual(['a_id', 'b_id', 'match_probability', 'match_weight', 'linked']);
    const linked = rows.filter((r) => r.linked === 'true');
    const right = linked.filter((r) => r.a_id!.slice(1) === r.b_id!.slice(1));
    expect(right.length).toBeGreaterThanOrEqual(114);
    expect(linked.length - right.length).toBeLessThanOrEqual(2);
    for (const r of rows) {
      expect(r.a_id).toMatch(/^a/);
      expect(Number(r.match_probability)).toBeGreaterThanOrEqual(0.1);
    }
    // Sorted by probability, strongest first.
    const probabilities = rows.map((r) => Number(r.match_probability));
    expect(probabilities).toEqual([...probabilities].sort((x, y) => y - x));
  });
});
