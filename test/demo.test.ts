/**
 * `tessera demo` as a newcomer runs it: the server, the mail catcher and the
 * brand come up, a sign-up gets its welcome mail at the catcher (read over
 * HTTP), the send shows as delivered, and Ctrl-C stops it all cleanly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnTessera, type TesseraProcess } from './helpers/cli-process.js';

let demo: TesseraProcess | undefined;
let dataDir: string | undefined;
afterAll(async () => {
  if (demo !== undefined && demo.child.exitCode === null && demo.child.signalCode === null) {
    demo.child.kill('SIGKILL');
    await demo.exit;
  }
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

interface MailList {
  total: number;
  messages: { id: number; to: string; subject: string; url: string }[];
}

describe('tessera demo', () => {
  it('sends a welcome mail to the local catcher within a minute, readable over HTTP', { timeout: 150_000 }, async () => {
    const [port, mailPort] = [await freePort(), await freePort()];
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-demo-test-'));
    demo = spawnTessera(['demo', '--port', String(port), '--mail-port', String(mailPort), '--customers', '200', '--data-dir', dataDir]);
    const running = demo;
    let mail: MailList | undefined;
    for (const deadline = Date.now() + 90_000; Date.now() < deadline && (mail?.total ?? 0) === 0; await sleep(500)) {
      if (running.child.exitCode !== null) break;
      mail = await fetch(`http://127.0.0.1:${mailPort}/demo/mail`).then((r) => r.json() as Promise<MailList>, () => undefined);
    }
    const { stdout, stderr } = running.output();
    expect(mail?.total, `no mail caught:\n${stdout}\n${stderr}`).toBeGreaterThan(0);
    const first = mail?.messages.at(-1);
    expect(first?.subject).toMatch(/^(Welcome to Northwind Outdoor|Bienvenue chez Northwind Outdoor), \p{L}+$/u);
    const page = await fetch(`http://127.0.0.1:${mailPort}${first?.url ?? ''}`);
    expect(await page.text()).toContain('/t/o?t=');

    const token = /Admin token:\s+(\S+)/.exec(stdout)?.[1] ?? '';
    const deliveries = (await (await fetch(`http://127.0.0.1:${port}/api/v1/deliveries?status=sent`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      deliveries: { template: string }[];
    };
    expect(deliveries.deliveries.length).toBeGreaterThan(0);
    // Engagement flows back: the recipient's timeline shows the message sent to them.
    const admin = { headers: { authorization: `Bearer ${token}` } };
    const found = (await (await fetch(`http://127.0.0.1:${port}/api/v1/profiles?identifier=email:${first?.to ?? ''}`, admin)).json()) as { profiles: { id: string }[] };
    let events: string[] = [];
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && !events.includes('Message Sent'); await sleep(250)) {
      const page = (await (await fetch(`http://127.0.0.1:${port}/api/v1/profiles/${found.profiles[0]?.id ?? ''}/events`, admin)).json()) as { events: { event: string | null }[] };
      events = page.events.map((e) => e.event ?? '');
    }
    expect(events).toEqual(expect.arrayContaining(['Signed Up', 'Message Sent']));

    running.child.kill('SIGINT');
    expect(await running.exit).toEqual({ code: 0, signal: null });
  });
});
