/**
 * The channels beyond email, end to end through journeys and the dispatcher:
 * web push to a local push service that decrypts with the browser's keys,
 * the in-app inbox, SMS through a fake Twilio with signed status callbacks,
 * signed webhooks with their dead-letter list and replay, and a `best` send
 * that follows the channel a person engages with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature } from '../src/channels/sms/twilio-signature.js';
import { verifyWebhookSignature } from '../src/channels/webhook/signature.js';
import type { Source } from '../src/contracts/index.js';
import { browserKeys, type BrowserKeys } from './helpers/push-browser.js';
import { startRecordingServer, type RecordingServer } from './helpers/recording-server.js';
import { startTestTessera, type JsonBody, type TestTessera } from './helpers/tessera.js';
import { until } from './helpers/wait.js';

const twilioSid = `AC${'a'.repeat(32)}`;
const twilioToken = 'fake-twilio-auth-token-42';
const webhookSecret = 'whsec_channels_test_0123456789';

let tessera: TestTessera;
let app: Source;
let pushService: RecordingServer;
let twilio: RecordingServer;
let receiver: RecordingServer;

const basic = (writeKey: string) => ({ authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` });
const call = async (method: string, path: string, writeKey: string, body?: unknown) => {
  const response = await fetch(`${tessera.url}${path}`, {
    method,
    headers: { ...basic(writeKey), ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed: JsonBody = text === '' ? undefined : JSON.parse(text);
  return { status: response.status, body: parsed };
};

async function person(userId: string, traits: Record<string, unknown> = {}): Promise<string> {
  await tessera.track('/v1/identify', app.writeKey, { userId, traits });
  await tessera.settled();
  return (await tessera.api<JsonBody>('GET', `/profiles?identifier=user_id:${userId}`)).body.profiles[0].id as string;
}

async function journey(name: string, event: string, channel: unknown, template: string): Promise<void> {
  const created = await tessera.api<JsonBody>('POST', '/journeys', {
    name,
    definition: {
      entry: { kind: 'event', event },
      rules: { reentry: 'always' },
      start: 'send',
      steps: { send: { type: 'send', channel, template, category: 'transactional', next: 'done' }, done: { type: 'exit' } },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect((await tessera.api('POST', `/journeys/${created.body.id}/publish`)).status).toBe(200);
}

const trigger = (userId: string, event: string, properties: Record<string, unknown> = {}) => tessera.track('/v1/track', app.writeKey, { userId, event, properties });
const deliveriesOf = async (profileId: string): Promise<JsonBody[]> =>
  (await tessera.api<{ deliveries: JsonBody[] }>('GET', `/deliveries?profileId=${profileId}`)).body.deliveries;
const timeline = async (profileId: string): Promise<JsonBody[]> =>
  (await tessera.api<{ events: JsonBody[] }>('GET', `/profiles/${profileId}/events?limit=100`)).body.events;

beforeAll(async () => {
  pushService = await startRecordingServer({ status: 201 });
  twilio = await startRecordingServer((request) => ({ status: 201, body: JSON.stringify({ sid: `SM${request.url.length}${twilio.requests.length}`, status: 'queued' }) }));
  receiver = await startRecordingServer();
  tessera = await startTestTessera();
  app = await tessera.createSource('Shop app', 'web');
  const templates = [
    { name: 'restock', content: { push: { title: 'Back in stock', body: 'Hi {{ traits.first_name | default: "you" }}, it is back', url: 'https://shop.example/p/1' } } },
    { name: 'note', content: { in_app: { title: 'A note', body: 'Your points: {{ traits.points | default: 0 }}' } } },
    { name: 'code', content: { sms: { text: 'Your code is 1234' } } },
    { name: 'order-hook', content: { webhook: { json: '{"kind": "order", "first_name": {{ traits.first_name | default: "" | json }}}' } } },
    { name: 'hello', content: { email: { subject: 'Hello', text: 'Hello' }, sms: { text: 'Hello' }, push: { title: 'Hello', body: 'Hello' } } },
  ];
  for (const t of templates) {
    const created = await tessera.api('POST', '/templates', t);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
  await journey('Restock', 'Restocked', 'push', 'restock');
  await journey('Notes', 'Noted', 'in_app', 'note');
  await journey('Codes', 'Code Requested', 'sms', 'code');
  await journey('Order hooks', 'Order Placed', 'webhook', 'order-hook');
  await journey('Hello', 'Said Hello', 'best', 'hello');
});
afterAll(async () => {
  await tessera.stop();
  await Promise.all([pushService.close(), twilio.close(), receiver.close()]);
});

describe('web push', () => {
  let browser: BrowserKeys;
  let profileId: string;
  beforeAll(async () => {
    profileId = await person('pia', { first_name: 'Pia' });
    browser = browserKeys();
  });

  it('registers a subscription with the write key and links it to the profile as a push_subscription identifier', async () => {
    const key = await call('GET', '/v1/push/vapid-public-key', app.writeKey);
    expect(key.status).toBe(200);
    expect(Buffer.from(key.body.publicKey as string, 'base64url')).toHaveLength(65);
    expect((await call('POST', '/v1/push/subscriptions', 'wrong-key', { userId: 'pia', subscription: { endpoint: `${pushService.url}/s/1`, keys: browser.keys } })).status).toBe(401);
    const bad = await call('POST', '/v1/push/subscriptions', app.writeKey, { userId: 'pia', subscription: { endpoint: `${pushService.url}/s/1`, keys: { p256dh: 'short', auth: browser.keys.auth } } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toContain('p256dh');
    const created = await call('POST', '/v1/push/subscriptions', app.writeKey, { userId: 'pia', subscription: { endpoint: `${pushService.url}/s/1`, keys: browser.keys } });
    expect(created.status).toBe(201);
    await tessera.settled();
    const profile = (await tessera.api<JsonBody>('GET', `/profiles/${profileId}`)).body;
    expect(profile.identities).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'push_subscription', value: created.body.id })]));
  });

  it("sends the journey's push encrypted for the browser, which decrypts it", async () => {
    await trigger('pia', 'Restocked');
    const [request] = await until(async () => pushService.requests, (r) => r.length === 1, 'the push message');
    expect(request?.url).toBe('/s/1');
    expect(JSON.parse(browser.decrypt(request!.body))).toMatchObject({ title: 'Back in stock', body: 'Hi Pia, it is back', url: 'https://shop.example/p/1' });
    await until(() => deliveriesOf(profileId), (d) => d[0]?.status === 'sent', 'the push delivery sent');
  });

  it('forgets the subscription the push service says is gone (410): the next push finds no address', async () => {
    pushService.script({ status: 410 });
    await trigger('pia', 'Restocked');
    await until(() => deliveriesOf(profileId), (d) => d.filter((x) => x.status === 'failed').length === 1, 'the 410 settled');
    await trigger('pia', 'Restocked');
    const deliveries = await until(() => deliveriesOf(profileId), (d) => d.filter((x) => x.status === 'failed').length === 2, 'the next push failed');
    expect(deliveries.map((d): unknown => d.lastError)).toEqual(
      expect.arrayContaining(['HTTP 410: the subscription has expired or was withdrawn', 'the person has no address on push']),
    );
    expect(pushService.requests).toHaveLength(2);
  });
});

describe('in-app inbox', () => {
  it("lists a user's messages with the write key, marks one read, and hides them from anyone else", async () => {
    await person('ina', { points: 120 });
    await person('otto');
    await trigger('ina', 'Noted');
    const listed = await until(() => call('GET', '/v1/inbox?userId=ina', app.writeKey), (r) => r.body?.messages?.length === 1, 'the inbox message');
    expect(listed.body).toMatchObject({ unread: 1, messages: [{ title: 'A note', body: 'Your points: 120', readAt: null }] });
    const id = listed.body.messages[0].id as string;
    expect((await call('GET', '/v1/inbox?userId=ina', 'wrong-key')).status).toBe(401);
    expect((await call('GET', '/v1/inbox?userId=otto', app.writeKey)).body).toEqual({ messages: [], unread: 0 });
    expect((await call('POST', `/v1/inbox/${id}/read`, app.writeKey, { userId: 'otto' })).status).toBe(404);
    const read = await call('POST', `/v1/inbox/${id}/read`, app.writeKey, { userId: 'ina' });
    expect(read.status).toBe(200);
    expect(read.body.readAt).not.toBeNull();
    expect((await call('GET', '/v1/inbox?userId=ina', app.writeKey)).body.unread).toBe(0);
  });
  it("shows the messages of profiles merged into the user's", async () => {
    await person('ivo');
    await trigger('ivo', 'Noted');
    await tessera.track('/v1/track', app.writeKey, { anonymousId: 'anon-ivo', event: 'Noted' });
    await until(() => tessera.api<JsonBody>('GET', '/deliveries?status=sent&limit=1000'), (r) => r.body.deliveries.filter((d: JsonBody) => d.template === 'note').length === 3, 'both notes');
    expect((await call('GET', '/v1/inbox?userId=ivo', app.writeKey)).body.messages).toHaveLength(1);
    await tessera.track('/v1/identify', app.writeKey, { userId: 'ivo', anonymousId: 'anon-ivo' });
    await tessera.settled();
    expect((await call('GET', '/v1/inbox?userId=ivo', app.writeKey)).body).toMatchObject({ unread: 2 });
    const page = (await call('GET', '/v1/inbox?userId=ivo&limit=1', app.writeKey)).body;
    expect([page.messages.length, page.unread]).toEqual([1, 2]);
  });
});

describe('SMS through Twilio', () => {
  let profileId: string;
  beforeAll(async () => {
    const configured = await tessera.api<JsonBody>('PUT', '/channels/sms', {
      settings: { provider: 'twilio', accountSid: twilioSid, authToken: twilioToken, from: '+14155550100', baseUrl: twilio.url },
    });
    expect(configured.status, JSON.stringify(configured.body)).toBe(200);
    expect(configured.body.settings.authToken).toBe('********');
    expect(JSON.stringify((await tessera.api('GET', '/channels')).body)).not.toContain(twilioToken);
    profileId = await person('sam', { phone: '+1 415 555 0123' });
  });

  it("posts Twilio's Messages API form, and a signed delivered status becomes Message Delivered", async () => {
    await trigger('sam', 'Code Requested');
    const [request] = await until(async () => twilio.requests, (r) => r.length === 1, 'the Twilio call');
    expect(request?.url).toBe(`/2010-04-01/Accounts/${twilioSid}/Messages.json`);
    const form = Object.fromEntries(new URLSearchParams(request!.body.toString()));
    expect(form).toMatchObject({ To: '+14155550123', From: '+14155550100', Body: 'Your code is 1234' });
    const [delivery] = await until(() => deliveriesOf(profileId), (d) => d[0]?.status === 'sent', 'the SMS delivery sent');
    expect(form.StatusCallback).toBe(`${tessera.url}/v1/sms/twilio/status?deliveryId=${encodeURIComponent(delivery.id as string)}`);

    const params = { MessageSid: delivery.providerMessageId as string, MessageStatus: 'delivered', AccountSid: twilioSid, To: '+14155550123' };
    const post = (signature: string) =>
      fetch(form.StatusCallback!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() });
    expect((await post(twilioSignature('another-token-123456', form.StatusCallback!, params))).status).toBe(403);
    const signature = twilioSignature(twilioToken, form.StatusCallback!, params);
    expect((await post(signature)).status).toBe(204);
    // Twilio retries a callback it got no answer to: the event is recorded once.
    expect((await post(signature)).status).toBe(204);
    await tessera.settled();
    const events = await until(() => timeline(profileId), (e) => e.some((x: JsonBody) => x.event === 'Message Delivered'), 'Message Delivered');
    expect(events.filter((e: JsonBody) => e.event === 'Message Delivered')).toHaveLength(1);
    expect(events.find((e: JsonBody) => e.event === 'Message Delivered').properties).toMatchObject({ channel: 'sms', deliveryId: delivery.id, status: 'delivered', template: 'code' });
  });
});

describe('webhooks', () => {
  let profileId: string;
  beforeAll(async () => {
    const configured = await tessera.api<JsonBody>('PUT', '/channels/webhook', { settings: { url: `${receiver.url}/hooks`, secret: webhookSecret } });
    expect(configured.status, JSON.stringify(configured.body)).toBe(200);
    expect(configured.body.settings.secret).toBe('********');
    profileId = await person('wes', { first_name: 'Wes' });
  });

  it('posts the rendered JSON signed over timestamp.body; the receiver verifies it', async () => {
    await trigger('wes', 'Order Placed');
    const [request] = await until(async () => receiver.requests, (r) => r.length === 1, 'the webhook');
    const verified = verifyWebhookSignature(
      webhookSecret,
      { body: request!.body, timestamp: request!.headers['tessera-timestamp'] as string, signature: request!.headers['tessera-signature'] as string },
      Date.now(),
    );
    expect(verified.ok).toBe(true);
    const body = JSON.parse(request!.body.toString());
    expect(body).toMatchObject({ profileId, template: 'order-hook', data: { kind: 'order', first_name: 'Wes' } });
    expect(request?.headers['idempotency-key']).toBe(body.deliveryId);
  });

  it('waits as long as Retry-After says before trying a 503 again', async () => {
    receiver.script({ status: 503, headers: { 'retry-after': '3600' } });
    const before = Date.now();
    await trigger('wes', 'Order Placed');
    const deliveries = await until(() => deliveriesOf(profileId), (d) => d.some((x) => x.status === 'queued' && x.attempts === 1), 'the retry scheduled');
    const queued = deliveries.find((d) => d.status === 'queued');
    expect(Date.parse(queued.nextAttemptAt as string) - before).toBeGreaterThanOrEqual(3_600_000);
    expect(queued.lastError).toBe('HTTP 503: {}');
  });

  it('lists a webhook the receiver refused as a dead letter, and delivers it on replay', async () => {
    receiver.script({ status: 400, body: '{"error":"unknown kind"}' });
    const seen = receiver.requests.length;
    await trigger('wes', 'Order Placed');
    const listed = await until(
      () => tessera.api<JsonBody>('GET', '/channels/webhook/dead-letters'),
      (r) => r.body.deadLetters?.length === 1,
      'the dead letter',
    );
    const [letter] = listed.body.deadLetters;
    expect(letter).toMatchObject({ url: `${receiver.url}/hooks`, profileId, template: 'order-hook', reason: 'HTTP 400: {"error":"unknown kind"}', attempts: 1 });
    expect((await tessera.api('POST', '/channels/webhook/dead-letters/nope/replay')).status).toBe(404);
    expect((await tessera.api('POST', `/channels/webhook/dead-letters/${letter.deliveryId}/replay`)).status).toBe(202);
    await until(async () => receiver.requests.length, (n) => n === seen + 2, 'the replayed webhook');
    const replayed = receiver.requests.at(-1)!;
    expect(JSON.parse(replayed.body.toString()).deliveryId).toBe(letter.deliveryId);
    await until(() => deliveriesOf(profileId), (d) => d.find((x) => x.id === letter.deliveryId)?.status === 'sent', 'the replay sent');
    expect((await tessera.api<JsonBody>('GET', '/channels/webhook/dead-letters')).body.deadLetters).toEqual([]);
    expect((await tessera.api('POST', `/channels/webhook/dead-letters/${letter.deliveryId}/replay`)).status).toBe(409);
  });
});

describe('best channel', () => {
  it('follows the channel a person engages with: more email clicks than sms makes email best, and a best send goes by email', async () => {
    const profileId = await person('bea', { email: 'bea@example.com', phone: '+1 415 555 0199' });
    const engagement: [string, string, string][] = [
      ['Message Sent', 'email', 'e1'],
      ['Message Clicked', 'email', 'e1'],
      ['Message Sent', 'email', 'e2'],
      ['Message Clicked', 'email', 'e2'],
      ['Message Sent', 'sms', 's1'],
      ['Message Sent', 'sms', 's2'],
      ['Message Clicked', 'sms', 's1'],
    ];
    for (const [event, channel, deliveryId] of engagement) await trigger('bea', event, { channel, deliveryId });
    await tessera.settled();
    const traits = (await tessera.api<JsonBody>('GET', `/profiles/${profileId}`)).body.traits;
    expect(traits.channel_affinity.value).toEqual({ email: 1, sms: 0.5 });
    expect(traits.best_channel.value).toBe('email');
    await trigger('bea', 'Said Hello');
    const sends = await until(
      async () => (await tessera.api<{ sends: { template: string; channel: string }[] }>('GET', `/sends?profileId=${profileId}`)).body.sends,
      (s) => s.length === 1,
      'the best send',
    );
    expect(sends[0]).toMatchObject({ template: 'hello', channel: 'email' });
  });
});
