import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { loadConfig } from '../../server/config.js';
import { startMailCatcher, type CaughtMessage, type MailCatcher } from './mail-catcher.js';
import { demoConfigFile, setUpDemo, type CallApi } from './demo-setup.js';
import { RetailBrand, type DemoMessage, type DemoSource } from './retail-brand.js';

export interface DemoOptions {
  readonly port: number;
  readonly mailPort: number;
  readonly smtpPort: number;
  readonly dataDir?: string | undefined;
  readonly customers: number;
  readonly seed: number;
  /** Where progress for people goes. */
  readonly print: (line: string) => void;
}

export interface RunningDemo {
  readonly url: string;
  readonly mail: MailCatcher;
  readonly dataDir: string;
  /** The management API's bearer token. */
  readonly adminToken: string;
  close(): Promise<void>;
}

/** Messages per /v1/batch call while loading the history. */
const batchSize = 500;
/** How often new sign-ups and carts arrive, and simulated readers open their mail. */
const tickMs = 2_000;

/**
 * `tessera demo`: a fresh data dir, a local mail catcher configured as the
 * email channel, the server started on the embedded stores, and a retail
 * brand set up through the management API: its customers' history loaded,
 * then a stream of sign-ups and carts that the welcome series and the
 * abandoned-cart journey react to, and simulated readers who open, click and
 * sometimes unsubscribe, so engagement flows back onto the profiles.
 */
export async function runDemo(options: DemoOptions, logger: Logger): Promise<RunningDemo> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'tessera-demo-')));
  const mail = await startMailCatcher({ smtpPort: options.smtpPort, httpPort: options.mailPort });
  const configFile = join(dataDir, 'demo-rules.json');
  await writeFile(configFile, JSON.stringify(demoConfigFile, null, 2));
  const config = loadConfig(process.env, {
    port: options.port,
    host: '127.0.0.1',
    dataDir,
    configFile,
    smtpUrl: mail.smtpUrl,
    smtpFrom: 'Northwind Outdoor <hello@northwind.example>',
  });
  if (!config.ok) throw new Error(`invalid configuration: ${config.error.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  const { startTessera } = await import('../../server/runtime.js');
  const running = await startTessera(config.value, logger, systemClock);
  await running.ready;
  const url = running.url;

  const api: CallApi = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${running.adminToken.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
  const keys = await setUpDemo(api);
  const post = async (messages: readonly DemoMessage[]): Promise<void> => {
    const bySource = new Map<DemoSource, Record<string, unknown>[]>();
    for (const m of messages) bySource.set(m.source, [...(bySource.get(m.source) ?? []), m.body]);
    for (const [source, bodies] of bySource) {
      for (let i = 0; i < bodies.length; i += batchSize) {
        const response = await fetch(`${url}/v1/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${keys[source]}:`).toString('base64')}` },
          body: JSON.stringify({ batch: bodies.slice(i, i + batchSize) }),
        });
        if (!response.ok) throw new Error(`loading the demo's events failed: ${response.status} ${await response.text()}`);
      }
    }
  };

  const brand = new RetailBrand(options.seed);
  const now = Date.now();
  const history: DemoMessage[] = [];
  for (let n = 0; n < options.customers; n++) history.push(...brand.history(brand.customer(n), now));
  await post(history);
  options.print(`Loaded ${history.length} events of ${options.customers} customers from 5 channels (web, app, store tills, call centre, email).`);

  let nextNewcomer = options.customers;
  let seen = 0;
  const stats = { opens: 0, clicks: 0, unsubscribes: 0 };
  const read = async (message: CaughtMessage): Promise<void> => {
    const html = message.html ?? '';
    const link = (kind: string): string | undefined => new RegExp(`(?:href|src)="([^"]*/t/${kind}\\?t=[^"]*)"`).exec(html)?.[1]?.replace(/&amp;/g, '&');
    const roll = brand.random();
    if (roll < 0.6) {
      const pixel = link('o');
      if (pixel !== undefined && (await fetch(pixel)).ok) stats.opens++;
    }
    if (roll < 0.3) {
      const click = link('c');
      if (click !== undefined && (await fetch(click, { redirect: 'manual' })).status === 302) stats.clicks++;
    }
    const unsubscribe = message.headers['list-unsubscribe']?.replace(/^<|>$/g, '');
    if (roll > 0.97 && unsubscribe !== undefined) {
      const response = await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      if (response.ok) stats.unsubscribes++;
    }
  };
  let stopping = false;
  let ticks = 0;
  const tick = async (): Promise<void> => {
    const at = Date.now();
    const newcomer = brand.customer(nextNewcomer++);
    const shoppers = [0, 1].map(() => brand.customer(Math.floor(brand.random() * options.customers)));
    const trips = shoppers.map((c) => brand.shop(c, at));
    await post([...brand.signUp(newcomer, at), ...trips.flatMap((t) => t.added)]);
    // The buyers come back a few seconds later: the abandoned-cart journey sees their order and stays quiet.
    setTimeout(() => void post(trips.flatMap((t) => t.bought)).catch((error: unknown) => logger.warn({ err: error }, 'demo order failed')), 5_000);
    for (const message of mail.messages.slice(seen)) await read(message);
    seen = mail.messages.length;
    if (++ticks % 15 === 0) {
      options.print(`${mail.messages.length} mails caught; simulated readers: ${stats.opens} opens, ${stats.clicks} clicks, ${stats.unsubscribes} unsubscribes`);
    }
  };
  const loop = (async () => {
    while (!stopping) {
      try {
        await tick();
      } catch (error) {
        logger.warn({ err: error }, 'demo traffic failed; going on');
      }
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
  })();

  return {
    url,
    mail,
    dataDir,
    adminToken: running.adminToken.token,
    async close() {
      stopping = true;
      await loop;
      await running.close();
      await mail.close();
    },
  };
}
