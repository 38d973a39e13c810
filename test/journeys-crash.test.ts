/**
 * Journey timers survive kill -9: thousands of people wait in a journey, the
 * server process is killed while their timers fire, and after a restart on the
 * same data directory every one of them has been sent the message exactly
 * once and none is left waiting. Real time (a child process cannot share a
 * test clock): the entry events are stamped a minute minus a few seconds in
 * the past, so a one-minute wait ends a few seconds from now, by event time.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Source } from '../src/contracts/index.js';
import { ServerProcesses, adminApi, errorLogs } from './helpers/server-process.js';

const adminToken = 'journey-crash-admin-token-0123456789';
const people = 3_000;
const batchSize = 500;
/** The timers come due over this span, starting this long after the events are sent. */
const firstDueMs = 12_000;
const dueSpreadMs = 8_000;

const servers = new ServerProcesses(adminToken);
afterEach(() => servers.cleanUp());

interface Stats {
  entered: number;
  active: number;
  completed: number;
}


describe('journey timers through kill -9', () => {
  it('sends each waiting person exactly one message and loses no timer', { timeout: 150_000 }, async () => {
    const dataDir = await servers.dataDir('tessera-journey-crash-');
    const server = await servers.start(dataDir);
    const source = await adminApi<Source>(server, 'POST', '/sources', { name: 'Journey crash', channel: 'server' });
    const journey = await adminApi<{ id: string }>(server, 'POST', '/journeys', {
      name: 'Crash wait',
      definition: {
        entry: { kind: 'event', event: 'Cart Saved' },
        start: 'wait',
        steps: {
          wait: { type: 'wait', duration: { amount: 1, unit: 'minutes' }, next: 'notify' },
          notify: { type: 'send', channel: 'in_app', template: 'cart-saved', category: 'transactional', next: 'end' },
          end: { type: 'exit' },
        },
      },
    });
    await adminApi(server, 'POST', `/journeys/${journey.id}/publish`);

    const sentAt = Date.now();
    const entryTime = (i: number): string => new Date(sentAt - 60_000 + firstDueMs + Math.floor((i * dueSpreadMs) / people)).toISOString();
    for (let from = 0; from < people; from += batchSize) {
      const batch = Array.from({ length: batchSize }, (_, k) => ({
        type: 'track',
        messageId: `cart-${from + k}`,
        userId: `crash-${from + k}`,
        event: 'Cart Saved',
        timestamp: entryTime(from + k),
      }));
      const response = await fetch(`${server.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ batch }),
      });
      expect(response.status).toBe(200);
    }

    // Kill once a part of the timers has fired and the rest still wait.
    let before: Stats = { entered: 0, active: 0, completed: 0 };
    for (const deadline = Date.now() + 60_000; before.completed < people / 5; await sleep(50)) {
      if (Date.now() > deadline) throw new Error(`timers did not fire in time: ${JSON.stringify(before)}`);
      before = await adminApi<Stats>(server, 'GET', `/journeys/${journey.id}/stats`);
    }
    server.child.kill('SIGKILL');
    expect(await server.exit).toEqual({ code: null, signal: 'SIGKILL' });
    const context = `killed with ${before.completed} of ${before.entered} entered people done and ${before.active} waiting`;
    expect(before.active, context).toBeGreaterThan(0);

    const restarted = await servers.start(dataDir);
    let after: Stats = before;
    for (const deadline = Date.now() + 60_000; after.completed < people; await sleep(200)) {
      if (Date.now() > deadline) break;
      after = await adminApi<Stats>(restarted, 'GET', `/journeys/${journey.id}/stats`);
    }
    expect(after, context).toMatchObject({ entered: people, active: 0, completed: people });
    expect(errorLogs(restarted)).toEqual([]);
    restarted.child.kill('SIGTERM');
    await restarted.exit;

    const state = new Database(join(dataDir, 'state.db'), { readonly: true });
    try {
      const perProfile = state
        .prepare<[string], { profile_id: string; sends: number }>('SELECT profile_id, count(*) AS sends FROM journey_sends WHERE journey_id = ? GROUP BY profile_id')
        .all(journey.id);
      expect(perProfile.length, context).toBe(people);
      expect(perProfile.filter((p) => p.sends !== 1), context).toEqual([]);
      const late = state
        .prepare<[string], { n: number }>("SELECT count(*) AS n FROM journey_instances WHERE journey_id = ? AND (status != 'completed' OR wake_at IS NOT NULL)")
        .get(journey.id);
      expect(late?.n, context).toBe(0);
    } finally {
      state.close();
    }
  });
});
