/**
 * Delivery across kill -9: a burst of journey sends is interrupted mid-way;
 * after a restart every send has exactly one final outcome, and the SMTP
 * server (counting by the delivery id each message carries) got none twice.
 * An entry caught during its SMTP call is failed as "unknown", never re-sent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeliveryView, Source } from '../src/contracts/index.js';
import { interruptedReason } from '../src/channels/index.js';
import { ServerProcesses, adminApi } from './helpers/server-process.js';
import { startSmtpCatcher, type SmtpCatcher } from './helpers/smtp-catcher.js';

const adminToken = 'delivery-crash-admin-token-0123456789';
const people = 150;

const servers = new ServerProcesses(adminToken);
let smtp: SmtpCatcher | undefined;
afterAll(async () => {
  await servers.cleanUp();
  await smtp?.close();
});

describe('delivery through a crash', () => {
  it('sends each journey message at most once and settles every one after kill -9', { timeout: 180_000 }, async () => {
    // A slow reply keeps calls in flight, so the kill is likely to catch some mid-call.
    smtp = await startSmtpCatcher({ replyDelayMs: 150 });
    const dataDir = await servers.dataDir('tessera-delivery-crash-');
    const first = await servers.start(dataDir, { TESSERA_SMTP_URL: smtp.url });
    const source = await adminApi<Source>(first, 'POST', '/sources', { name: 'Web', channel: 'web' });
    await adminApi(first, 'POST', '/templates', { name: 'receipt', content: { email: { subject: 'Receipt for {{ traits.first_name | default: "you" }}', text: 'Thanks' } } });
    const journey = await adminApi<{ id: string }>(first, 'POST', '/journeys', {
      name: 'Receipts',
      definition: {
        entry: { kind: 'event', event: 'Order Completed' },
        start: 'mail',
        steps: { mail: { type: 'send', channel: 'email', template: 'receipt', category: 'transactional', next: 'done' }, done: { type: 'exit' } },
      },
    });
    await adminApi(first, 'POST', `/journeys/${journey.id}/publish`);
    // Slow enough (the default 50 messages/s to one provider) for the kill to land mid-burst.
    await adminApi(first, 'PUT', '/channels/email', { settings: { smtpUrl: smtp.url, fromAddress: 'shop@acme.test' }, rateLimit: { perSecond: 40, burst: 5 } });

    const batch = Array.from({ length: people }, (_, i) => [
      { type: 'identify', userId: `u${i}`, traits: { email: `u${i}@example.com`, first_name: `P${i}` }, messageId: `id-${i}` },
      { type: 'track', userId: `u${i}`, event: 'Order Completed', messageId: `order-${i}` },
    ]).flat();
    const posted = await fetch(`${first.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}` },
      body: JSON.stringify({ batch }),
    });
    expect(posted.status).toBe(200);

    for (const deadline = Date.now() + 60_000; smtp.mails.length < 30 && Date.now() < deadline; ) await sleep(5);
    first.child.kill('SIGKILL');
    await first.exit;
    const receivedAtKill = smtp.mails.length;
    expect(receivedAtKill).toBeGreaterThanOrEqual(30);
    expect(receivedAtKill).toBeLessThan(people);

    const second = await servers.start(dataDir, { TESSERA_SMTP_URL: smtp.url });
    let deliveries: DeliveryView[] = [];
    for (const deadline = Date.now() + 90_000; Date.now() < deadline; await sleep(250)) {
      deliveries = (await adminApi<{ deliveries: DeliveryView[] }>(second, 'GET', '/deliveries?limit=1000')).deliveries;
      if (deliveries.length === people && deliveries.every((d) => d.status === 'sent' || d.status === 'failed')) break;
    }
    const context = `${receivedAtKill} received at the kill, ${smtp.mails.length} in all`;
    expect(deliveries.length, context).toBe(people);

    const receivedIds = smtp.mails.map((m) => m.parsed.headerLines.find((h) => h.key === 'x-tessera-delivery')?.line.replace(/^[^:]*:\s*/, '') ?? '');
    const receivedOnce = new Set(receivedIds);
    expect(receivedIds.length, `a message went out twice; ${context}`).toBe(receivedOnce.size);

    const sent = deliveries.filter((d) => d.status === 'sent');
    const failed = deliveries.filter((d) => d.status === 'failed');
    expect(sent.length + failed.length, context).toBe(people);
    for (const d of sent) expect(receivedOnce.has(d.id), `${d.id} marked sent but not received`).toBe(true);
    for (const d of failed) expect(d.lastError, context).toBe(interruptedReason);
    // Only the calls in flight at the kill can be unknown: one per worker at most.
    expect(failed.length, context).toBeLessThanOrEqual(8);
    for (const d of deliveries) expect(d.attempts).toBe(1);
    // Every message that reached the server belongs to a send, and every send reached it or was failed as unknown.
    const ids = new Set(deliveries.map((d) => d.id));
    for (const id of receivedOnce) expect(ids.has(id)).toBe(true);
    expect(receivedOnce.size + failed.filter((d) => !receivedOnce.has(d.id)).length).toBe(people);

    second.child.kill('SIGTERM');
    await second.exit;
  });
});
