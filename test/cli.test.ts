/**
 * The `tessera` command as people run it: a child process, talking to a real
 * server over HTTP. Each test uses sources of its own, so they run concurrently.
 * Every command starts a Node process that loads the whole server through tsx
 * (seconds of CPU each), hence the generous timeouts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels, type Source } from '../src/contracts/index.js';
import { freePort, runTessera } from './helpers/cli-process.js';
import { adminToken, startTestTessera, type TestTessera } from './helpers/tessera.js';

let tessera: TestTessera;
/** Answers every request with an HTML error page, as a proxy in front of a stopped Tessera would. */
let notTessera: Server;

beforeAll(async () => {
  tessera = await startTestTessera();
  notTessera = createServer((_request, response) => response.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>'));
  await new Promise<void>((resolve) => notTessera.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await tessera.stop();
  await new Promise((resolve) => notTessera.close(resolve));
});

/** Runs `tessera sources <args>` against the test server with its admin token. */
const sources = (...args: string[]) => runTessera(['sources', ...args, '--url', tessera.url, '--token', adminToken]);

/** The rows of a table printed by the CLI, keyed by its column headers. */
function parseTable(stdout: string): Record<string, string>[] {
  const [header = '', ...rows] = stdout.trimEnd().split('\n');
  const columns = ['ID', 'NAME', 'CHANNEL', 'STATE', 'WRITE KEY'].map((name) => ({ name, at: header.indexOf(name) }));
  expect(columns.map((c) => c.at)).not.toContain(-1);
  return rows.map((row) =>
    Object.fromEntries(columns.map(({ name, at }, i) => [name, row.slice(at, columns[i + 1]?.at).trim()])),
  );
}

/** A failed command: exit code 1, nothing on stdout, and one line saying what is wrong (plus commander's usage hint). */
function expectOneLineError(result: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const [error, ...rest] = result.stderr.trimEnd().split('\n');
  expect(error).toMatch(message);
  expect(rest.filter((line) => line !== '(run with --help for usage)')).toEqual([]);
}

const sourceById = async (id: string): Promise<Source> => (await tessera.api<Source>('GET', `/sources/${id}`)).body;

describe.concurrent('help', { timeout: 120_000 }, () => {
  it('tessera --help lists the commands', async () => {
    const result = await runTessera(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tessera \[options\] \[command\]/);
    expect(result.stdout).toMatch(/^\s+start \[options\]\s+Start the server/m);
    expect(result.stdout).toMatch(/^\s+sources\s+Manage sources/m);
  });

  it('tessera sources --help lists the source commands', async () => {
    const result = await runTessera(['sources', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tessera sources/);
    for (const command of ['create', 'list', 'rotate-key', 'enable', 'disable']) expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('tessera sources create --help shows the options and every channel', async () => {
    const result = await runTessera(['sources', 'create', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tessera sources create \[options\]/);
    for (const option of ['--name <name>', '--channel <channel>', '--url <url>', '--token <token>', '--json']) expect(result.stdout).toContain(option);
    for (const channel of channels) expect(result.stdout).toContain(`"${channel}"`);
  });
});

describe.concurrent('sources against a running server', { timeout: 120_000 }, () => {
  it('create prints a table with the new source and its write key', async () => {
    const result = await sources('create', '--name', 'Web store', '--channel', 'web');
    expect(result.code).toBe(0);
    const [row, ...more] = parseTable(result.stdout);
    expect(more).toEqual([]);
    const stored = await sourceById(row!.ID!);
    expect(row).toEqual({ ID: stored.id, NAME: 'Web store', CHANNEL: 'web', STATE: 'enabled', 'WRITE KEY': stored.writeKey });
    expect(stored.writeKey).not.toBe('');
  });

  it('create --json prints the source as the API returns it', async () => {
    const result = await sources('create', '--name', 'iOS app', '--channel', 'ios', '--allowed-origin', 'https://app.example.com', '--json');
    expect(result.code).toBe(0);
    const [printed] = JSON.parse(result.stdout) as Source[];
    expect(printed).toMatchObject({ name: 'iOS app', channel: 'ios', enabled: true, allowedOrigins: ['https://app.example.com'] });
    expect(printed).toEqual(await sourceById(printed!.id));
  });

  it('list shows every source, as a table and as JSON', async () => {
    const created = await tessera.createSource('Listed POS', 'pos');
    const table = await sources('list');
    expect(table.code).toBe(0);
    expect(parseTable(table.stdout)).toContainEqual({ ID: created.id, NAME: 'Listed POS', CHANNEL: 'pos', STATE: 'enabled', 'WRITE KEY': created.writeKey });

    // Other tests create and change sources meanwhile: the list holds at least every source there was before it.
    const before = (await tessera.api<{ sources: Source[] }>('GET', '/sources')).body.sources;
    const json = await sources('list', '--json');
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as Source[];
    expect(listed).toContainEqual(created);
    expect(listed.map((s) => s.id)).toEqual(expect.arrayContaining(before.map((s) => s.id)));
  });

  it('disable stops the write key from working and enable restores it', async () => {
    const source = await tessera.createSource('Toggled', 'server');
    const track = () => tessera.track('/v1/track', source.writeKey, { userId: 'u', event: 'Toggle' });

    const disabled = await sources('disable', source.id);
    expect(disabled.code).toBe(0);
    expect(parseTable(disabled.stdout)[0]).toMatchObject({ ID: source.id, STATE: 'disabled' });
    expect((await sourceById(source.id)).enabled).toBe(false);
    expect((await track()).status).toBe(401);

    const enabled = await sources('enable', source.id);
    expect(enabled.code).toBe(0);
    expect(parseTable(enabled.stdout)[0]).toMatchObject({ ID: source.id, STATE: 'enabled' });
    expect((await track()).status).toBe(200);
  });

  it('rotate-key prints a new write key and revokes the old one at once', async () => {
    const source = await tessera.createSource('Rotated', 'android');
    const result = await sources('rotate-key', source.id);
    expect(result.code).toBe(0);
    const newKey = parseTable(result.stdout)[0]?.['WRITE KEY'];
    expect(newKey).toBe((await sourceById(source.id)).writeKey);
    expect(newKey).not.toBe(source.writeKey);
    expect((await tessera.track('/v1/track', source.writeKey, { userId: 'u', event: 'Old key' })).status).toBe(401);
    expect((await tessera.track('/v1/track', newKey!, { userId: 'u', event: 'New key' })).status).toBe(200);
  });
});

describe.concurrent('errors', { timeout: 120_000 }, () => {
  it('an invalid channel is refused, naming the allowed ones, and creates nothing', async () => {
    const result = await sources('create', '--name', 'Fax machine', '--channel', 'fax');
    expectOneLineError(result, /argument 'fax' is invalid\. Allowed choices are web, ios, .*other\.$/);
    const all = (await tessera.api<{ sources: Source[] }>('GET', '/sources')).body.sources;
    expect(all.map((s) => s.name)).not.toContain('Fax machine');
  });

  it('a missing required option is named', async () => {
    expectOneLineError(await sources('create', '--channel', 'web'), /required option '-n, --name <name>' not specified/);
  });

  it('an unreachable server is reported as such', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await runTessera(['sources', 'list', '--url', url, '--token', adminToken]);
    expectOneLineError(result, new RegExp(`^tessera: cannot reach Tessera at ${url} .*is it running\\?`));
  });

  it('a wrong admin token gets the 401 message', async () => {
    const result = await runTessera(['sources', 'list', '--url', tessera.url, '--token', 'not-the-admin-token']);
    expectOneLineError(result, /^tessera: 401: the admin token is not valid$/);
  });

  it('a server that does not answer JSON is reported in one line, not a stack trace', async () => {
    const { port } = notTessera.address() as AddressInfo;
    const result = await runTessera(['sources', 'list', '--url', `http://127.0.0.1:${port}`, '--token', adminToken]);
    expectOneLineError(result, /^tessera: http:\/\/127\.0\.0\.1:\d+ answered 502 Bad Gateway without JSON; is that Tessera's URL\?$/);
  });

  it('start with an invalid PORT exits non-zero, naming PORT', async () => {
    const result = await runTessera(['start'], { PORT: 'abc', TESSERA_LOG_LEVEL: 'silent' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^tessera: invalid configuration:\n\s+PORT: .*"abc"/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
