/**
 * `tessera import` as people run it: a child process sending a file to a real
 * server over HTTP. Output is piped (not a terminal), so no progress bar.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ImportMapping } from '../src/contracts/index.js';
import { runTessera, spawnTessera } from './helpers/cli-process.js';
import { waitForImport } from './helpers/imports.js';
import { startSlowLink } from './helpers/slow-link.js';
import { adminToken, startTestTessera, type JsonBody, type TestTessera } from './helpers/tessera.js';

let tessera: TestTessera;
let dir: string;

beforeAll(async () => {
  tessera = await startTestTessera();
  dir = await mkdtemp(join(tmpdir(), 'tessera-cli-import-'));
});
afterAll(async () => {
  await tessera.stop();
  await rm(dir, { recursive: true, force: true });
});

const mapping: ImportMapping = {
  identifiers: [
    { column: 'id', type: 'user_id' },
    { column: 'email', type: 'email' },
  ],
  traits: [
    { column: 'name' },
    { column: 'born', type: 'date', format: 'DD/MM/YYYY' },
    { column: 'score', type: 'number' },
  ],
};

const importFile = (file: string, source: string, ...more: string[]) =>
  runTessera(['import', file, '--source', source, '--mapping', join(dir, 'mapping.json'), '--url', tessera.url, '--token', adminToken, ...more], {}, 120_000);

beforeAll(async () => {
  await writeFile(join(dir, 'mapping.json'), JSON.stringify(mapping));
});

describe('tessera import', { timeout: 180_000 }, () => {
  it('--help shows the options', async () => {
    const result = await runTessera(['import', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tessera import \[options\] <file>/);
    for (const option of ['--source <source>', '--mapping <file>', '--format <format>', '--state <path>', '--rejects <path>', '--no-progress', '--no-resume']) {
      expect(result.stdout).toContain(option);
    }
  });

  it('imports a file, writes the rejected rows with line and reason, and prints a summary; again, it stores nothing twice', async () => {
    const source = await tessera.createSource('CLI CRM', 'import');
    const file = join(dir, 'people.csv');
    await writeFile(
      file,
      [
        'id,email,name,born,score',
        'p-1,ann@example.com,Ann,01/02/1990,10',
        'p-2,bea@example.com,"Bea, ""B""",31/02/1991,11',
        'p-3,cid@example.com,Cid,03/04/1992,twelve',
        'p-4,dee@example.com,Dee,05/06/1993,13',
        ',,Nobody,,',
        '',
      ].join('\n'),
    );
    const result = await importFile(file, 'CLI CRM');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rejectsFile = `${file}.rejects.csv`;
    const [title, ...lines] = result.stdout.trimEnd().split('\n');
    expect(title).toMatch(new RegExp(`^Imported ${file} into CLI CRM \\(${source.id}\\) as imp_\\w+$`));
    expect(lines).toEqual(['  read      5', '  accepted  2', `  rejected  3 -> ${rejectsFile}`, '  profiles  2 created, 0 merged']);
    expect(await readFile(rejectsFile, 'utf8')).toBe(
      [
        'line,reason,record',
        '3,"born: ""31/02/1991"": 1991-02 has no day 31 (format DD/MM/YYYY)","p-2,bea@example.com,""Bea, """"B"""""",31/02/1991,11"',
        '4,"score: ""twelve"" is not a number (digits, an optional . and exponent, no thousands separators)","p-3,cid@example.com,Cid,03/04/1992,twelve"',
        '6,"no identifier: id, email are all empty",",,Nobody,,"',
        '',
      ].join('\r\n'),
    );
    await expect(stat(`${file}.import-state.json`)).rejects.toThrow();

    const again = await importFile(file, source.id, '--json');
    expect(again.code).toBe(0);
    const printed = JSON.parse(again.stdout);
    expect(printed).toMatchObject({
      import: { rows: { read: 5, accepted: 2, duplicates: 2, rejected: 3 }, messages: 0, profiles: { pending: false, created: 0, merged: 0 } },
      rejectsFile,
      resumedFromLine: null,
    });
  });

  it('explains an unknown source and a mapping that is not JSON, in one line', async () => {
    const file = join(dir, 'tiny.csv');
    await writeFile(file, 'id\nx\n');
    const unknown = await importFile(file, 'No such source');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('tessera: no source "No such source"; create one with: tessera sources create --name "No such source" --channel import');
    await writeFile(join(dir, 'broken.json'), '{"identifiers": ');
    const broken = await runTessera(['import', file, '--source', 'x', '--mapping', join(dir, 'broken.json'), '--url', tessera.url, '--token', adminToken]);
    expect(broken.stderr).toMatch(/^tessera: the mapping .*broken\.json is not JSON: /);
  });

  it('resumes after being killed, from the last acknowledged line, writing each reject once', async () => {
    const source = await tessera.createSource('CLI resumed', 'import');
    const rows = 8000;
    const file = join(dir, 'many.csv');
    const state = join(dir, 'many.state.json');
    const text = ['id,email,name,born,score', ...Array.from({ length: rows }, (_, i) => `m-${i},m${i}@example.com,M ${i},01/01/2000,${i % 1000 === 999 ? 'bad' : i}`)];
    await writeFile(file, `${text.join('\n')}\n`);
    // Over a slow link, so that the kill lands while the file is still on its way.
    const link = await startSlowLink(tessera.url, 96 * 1024);
    onTestFinished(() => link.close());
    const args = ['import', file, '--source', source.id, '--mapping', join(dir, 'mapping.json'), '--state', state, '--url', link.url, '--token', adminToken];

    const first = spawnTessera(args);
    // Line 1, the header, is acknowledged first; wait for rows.
    let acknowledged = 0;
    let importId = '';
    for (let i = 0; i < 6000 && acknowledged <= 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const saved = await readFile(state, 'utf8').then((t): JsonBody => JSON.parse(t), () => undefined);
      acknowledged = saved?.acknowledged.line ?? 0;
      importId = saved?.importId ?? '';
    }
    first.child.kill('SIGKILL');
    await first.exit;
    expect(acknowledged).toBeGreaterThan(1);
    expect(acknowledged).toBeLessThan(rows + 1);
    const interrupted = await waitForImport(tessera, importId, (body) => body.status === 'interrupted');

    const second = await runTessera(args, {}, 120_000);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`as ${importId}, resumed after line`);
    const resumedAfter = Number(/resumed after line ([\d,]+)/.exec(second.stdout)?.[1]?.replaceAll(',', ''));
    expect(resumedAfter).toBeGreaterThanOrEqual(interrupted.committed.line);
    expect(second.stdout).toContain('  read      8,000\n  accepted  7,992\n');
    const { body } = await tessera.api<JsonBody>('GET', `/imports/${importId}`);
    expect(body).toMatchObject({ status: 'completed', rows: { read: rows, accepted: rows - 8, duplicates: 0, rejected: 8 }, messages: rows - 8 });
    const rejects = (await readFile(`${file}.rejects.csv`, 'utf8')).trimEnd().split('\r\n');
    expect(rejects.map((line) => line.split(',')[0])).toEqual(['line', '1001', '2001', '3001', '4001', '5001', '6001', '7001', '8001']);
    await expect(stat(state)).rejects.toThrow();
  });
});
