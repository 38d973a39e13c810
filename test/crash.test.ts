/**
 * Durability of the real server process: a message acknowledged with a 2xx
 * survives kill -9, and replaying the log after the crash stores nothing twice.
 * Each server start loads the whole server through tsx, which takes seconds on
 * a busy machine; the timeouts leave room for that.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Source, TrackingResponse } from '../src/contracts/index.js';
import type { Exit } from './helpers/cli-process.js';
import { allEvents, countByMessageId } from './helpers/events.js';
import { ServerProcesses, errorLogs, type ServerProcess } from './helpers/server-process.js';

const adminToken = 'crash-test-admin-token-0123456789';
const clients = 6;
const messagesPerBatch = 50;

const servers = new ServerProcesses(adminToken);
afterEach(() => servers.cleanUp());

const freshDataDir = (): Promise<string> => servers.dataDir('tessera-crash-');
const startServer = (dataDir: string): Promise<ServerProcess> => servers.start(dataDir);

/** How `server` ended, if it did within `ms`. */
const exitWithin = (server: ServerProcess, ms: number): Promise<Exit | 'still running'> =>
  Promise.race([server.exit, sleep(ms, 'still running' as const)]);

/** Waits until every projection (the event store among them) has applied the whole log, by the server's own metric. */
async function caughtUp(server: ServerProcess): Promise<void> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(100)) {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const lags = metrics.split('\n').filter((line) => /^tessera_projection_lag_records[ {]/.test(line));
    if (lags.length > 0 && lags.every((line) => line.endsWith(' 0'))) return;
  }
  throw new Error('the projections did not catch up with the log');
}

async function createSource(server: ServerProcess): Promise<Source> {
  const response = await fetch(`${server.url}/api/v1/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Crash test', channel: 'server' }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Source;
}

const message = (messageId: string) => ({ type: 'track', messageId, userId: 'crash-user', event: 'Crash Load', properties: { messageId } });

function postBatch(server: ServerProcess, writeKey: string, messageIds: readonly string[]): Promise<Response> {
  return fetch(`${server.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ batch: messageIds.map(message) }),
    signal: AbortSignal.timeout(15_000),
  });
}

/**
 * Runs `clients` concurrent senders, each posting batches of new messages until
 * the server stops answering. `acknowledged` fills, as they come, with the ids
 * of every message in a batch that got a 2xx.
 */
function sendUntilServerGoes(server: ServerProcess, writeKey: string, acknowledged: string[]): Promise<void> {
  const sender = async (client: number): Promise<void> => {
    for (let batch = 0; ; batch++) {
      const ids = Array.from({ length: messagesPerBatch }, (_, i) => `c${client}-b${batch}-m${i}`);
      const response = await postBatch(server, writeKey, ids).catch(() => undefined);
      if (response === undefined) return; // connection refused or reset: the server is gone
      if (response.ok) acknowledged.push(...ids);
      else if (response.status === 503) return; // closing
      await response.body?.cancel();
    }
  };
  return Promise.all(Array.from({ length: clients }, (_, client) => sender(client))).then(() => undefined);
}

async function untilAcknowledged(acknowledged: readonly string[], count: number): Promise<void> {
  for (const deadline = Date.now() + 30_000; acknowledged.length < count; await sleep(10)) {
    if (Date.now() > deadline) throw new Error(`only ${acknowledged.length} messages acknowledged in 30 s`);
  }
}

/** After a restart on the same data dir: every stored messageId of `source`, with how often it occurs. */
async function storedAfterRestart(dataDir: string, source: Source): Promise<{ server: ServerProcess; counts: Map<string, number> }> {
  const server = await startServer(dataDir);
  await caughtUp(server);
  return { server, counts: countByMessageId(await allEvents(server.url, adminToken, { sourceId: source.id })) };
}

describe('tessera start as a process', () => {
  it('keeps every acknowledged message through kill -9, stores none twice, and still deduplicates after restart', { timeout: 120_000 }, async () => {
    const dataDir = await freshDataDir();
    const server = await startServer(dataDir);
    const source = await createSource(server);

    const acknowledged: string[] = [];
    const sending = sendUntilServerGoes(server, source.writeKey, acknowledged);
    await untilAcknowledged(acknowledged, 1_000);
    const delayMs = Math.floor(Math.random() * 500);
    await sleep(delayMs);
    server.child.kill('SIGKILL');
    expect(await server.exit).toEqual({ code: null, signal: 'SIGKILL' });
    await sending;
    const context = `killed ${delayMs} ms after the 1,000th acknowledgement, with ${acknowledged.length} acknowledged`;

    const { server: restarted, counts } = await storedAfterRestart(dataDir, source);
    expect(errorLogs(restarted)).toEqual([]);
    expect(acknowledged.filter((id) => !counts.has(id)), `acknowledged but lost; ${context}`).toEqual([]);
    expect([...counts].filter(([, count]) => count > 1), `stored twice; ${context}`).toEqual([]);

    const resent = acknowledged.filter((_, i) => i % 10 === 0);
    const response = await postBatch(restarted, source.writeKey, resent);
    expect(response.status).toBe(200);
    expect((await response.json()) as TrackingResponse).toEqual({ success: true, accepted: 0, duplicates: resent.length, rejected: 0 });
    await caughtUp(restarted);
    const afterResend = countByMessageId(await allEvents(restarted.url, adminToken, { sourceId: source.id }));
    expect(afterResend).toEqual(counts);
  });

  it('exits 0 promptly on SIGTERM under load, logging no errors, and keeps everything acknowledged', { timeout: 120_000 }, async () => {
    const dataDir = await freshDataDir();
    const server = await startServer(dataDir);
    const source = await createSource(server);

    const acknowledged: string[] = [];
    const sending = sendUntilServerGoes(server, source.writeKey, acknowledged);
    await untilAcknowledged(acknowledged, 500);
    server.child.kill('SIGTERM');
    expect(await exitWithin(server, 15_000)).toEqual({ code: 0, signal: null });
    expect(errorLogs(server)).toEqual([]);
    await sending;

    const { server: restarted, counts } = await storedAfterRestart(dataDir, source);
    expect(errorLogs(restarted)).toEqual([]);
    expect(acknowledged.filter((id) => !counts.has(id))).toEqual([]);
    expect([...counts].filter(([, count]) => count > 1)).toEqual([]);
  });
});
