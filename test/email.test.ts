/**
 * Email end to end against a real SMTP server started here: a journey's send
 * arrives with its content and RFC 8058 headers; opens, clicks, unsubscribes
 * and bounces come back onto the profile's timeline, consent and the
 * suppression list; tracking links are refused once tampered with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Source } from '../src/contracts/index.js';
import { startTestTessera, type JsonBody, type TestTessera } from './helpers/tessera.js';
import { startSmtpCatcher, type CaughtMail, type SmtpCatcher } from './helpers/smtp-catcher.js';
import { until } from './helpers/wait.js';

let smtp: SmtpCatcher;
let tessera: TestTessera;
let web: Source;

const template = {
  name: 'welcome',
  content: {
    email: {
      subject: 'Welcome, {{ traits.first_name | default: "friend" }}',
      html: '<html><body><p>Hi {{ traits.first_name }}, see <a href="https://shop.example/new?a=1&amp;b=2">what is new</a>.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p></body></html>',
      text: 'Hi {{ traits.first_name }}, see https://shop.example/new',
    },
  },
};

async function person(userId: string, email: string): Promise<string> {
  await tessera.track('/v1/identify', web.writeKey, { userId, traits: { email, first_name: 'Ada' } });
  await tessera.settled();
  const id = (await tessera.api<JsonBody>('GET', `/profiles?identifier=user_id:${userId}`)).body.profiles[0].id as string;
  await tessera.api('PUT', `/profiles/${id}/consent`, { consent: [{ channel: 'email', purpose: 'marketing', state: 'granted' }] });
  return id;
}

async function signUp(userId: string): Promise<void> {
  await tessera.track('/v1/track', web.writeKey, { userId, event: 'Signed Up', properties: { plan: 'pro' } });
}

const mailTo = (address: string): Promise<CaughtMail> =>
  until(async () => smtp.mails.find((m) => m.to === address), (m) => m !== undefined, `mail to ${address}`) as Promise<CaughtMail>;
const timeline = async (profileId: string): Promise<string[]> =>
  ((await tessera.api<JsonBody>('GET', `/profiles/${profileId}/events?limit=100`)).body.events as { event: string | null }[]).map((e) => e.event ?? '');
const deliveriesOf = async (profileId: string): Promise<JsonBody[]> =>
  (await tessera.api<{ deliveries: JsonBody[] }>('GET', `/deliveries?profileId=${profileId}`)).body.deliveries;
/** A header as sent, unfolded, for the headers mailparser turns into objects. */
const rawHeader = (mail: CaughtMail, name: string): string =>
  (mail.parsed.headerLines.find((h) => h.key === name)?.line ?? '').replace(/^[^:]*:\s*/, '').replace(/\r?\n[ \t]+/g, '');
const unsubscribeUrlOf = (mail: CaughtMail): string => rawHeader(mail, 'list-unsubscribe').replace(/^<|>$/g, '');
const linksIn = (html: string): string[] => [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => (m[1] ?? '').replace(/&amp;/g, '&'));

beforeAll(async () => {
  smtp = await startSmtpCatcher();
  tessera = await startTestTessera({ config: { smtpUrl: smtp.url, smtpFrom: 'Acme Shop <hello@acme.test>' } });
  web = await tessera.createSource('Web', 'web');
  expect((await tessera.api('POST', '/templates', template)).status).toBe(201);
  const journey = await tessera.api<JsonBody>('POST', '/journeys', {
    name: 'Welcome',
    definition: {
      entry: { kind: 'event', event: 'Signed Up' },
      rules: { reentry: 'always' },
      start: 'mail',
      steps: { mail: { type: 'send', channel: 'email', template: 'welcome', category: 'marketing', next: 'done' }, done: { type: 'exit' } },
    },
  });
  expect(journey.status, JSON.stringify(journey.body)).toBe(201);
  expect((await tessera.api('POST', `/journeys/${journey.body.id}/publish`)).status).toBe(200);
});
afterAll(async () => {
  await tessera.stop();
  await smtp.close();
});

describe('a journey send by email', () => {
  let profileId: string;
  let mail: CaughtMail;
  beforeAll(async () => {
    profileId = await person('ada', 'ada@example.com');
    await signUp('ada');
    mail = await mailTo('ada@example.com');
  });

  it('arrives with the rendered content, the sender and one-click unsubscribe headers', async () => {
    expect(mail.parsed.subject).toBe('Welcome, Ada');
    expect(mail.parsed.from?.value[0]).toEqual({ name: 'Acme Shop', address: 'hello@acme.test' });
    expect(mail.parsed.text?.trim()).toBe('Hi Ada, see https://shop.example/new');
    expect(mail.parsed.html).toContain('Hi Ada, see');
    const unsubscribeUrl = unsubscribeUrlOf(mail);
    expect(unsubscribeUrl.startsWith(`${tessera.url}/t/u?t=`)).toBe(true);
    expect(rawHeader(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    // The unsubscribe link in the body is the header's, not a tracked redirect.
    expect(linksIn(mail.parsed.html || '')).toContain(unsubscribeUrl);
    const [delivery] = await until(() => deliveriesOf(profileId), (d) => d[0]?.status === 'sent', 'the delivery marked sent');
    expect(delivery).toMatchObject({ channel: 'email', template: 'welcome', recipient: 'ada@example.com', attempts: 1, provider: 'smtp' });
    await until(() => timeline(profileId), (events) => events.includes('Message Sent'), 'Message Sent on the timeline');
  });

  it('records opens and clicks on the timeline and redirects to the original link', async () => {
    const links = linksIn(mail.parsed.html || '');
    const click = links.find((l) => l.includes('/t/c?t='));
    const pixel = links.find((l) => l.includes('/t/o?t='));
    expect(click).toBeDefined();
    expect(pixel).toBeDefined();
    const opened = await fetch(pixel ?? '');
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toBe('image/gif');
    const clicked = await fetch(click ?? '', { redirect: 'manual' });
    expect(clicked.status).toBe(302);
    expect(clicked.headers.get('location')).toBe('https://shop.example/new?a=1&b=2');
    const events = await until(() => timeline(profileId), (e) => e.includes('Message Opened') && e.includes('Message Clicked'), 'open and click on the timeline');
    expect(events).toEqual(expect.arrayContaining(['Signed Up', 'Message Sent', 'Message Opened', 'Message Clicked']));
    const clickEvent = ((await tessera.api<JsonBody>('GET', `/profiles/${profileId}/events?limit=100`)).body.events as JsonBody[]).find((e) => e.event === 'Message Clicked');
    expect(clickEvent.properties).toMatchObject({ channel: 'email', step: 'mail', template: 'welcome', url: 'https://shop.example/new?a=1&b=2' });
  });

  it('refuses a tampered or unsigned link with 400 and never redirects', async () => {
    const click = linksIn(mail.parsed.html || '').find((l) => l.includes('/t/c?t=')) ?? '';
    const token = click.split('/t/c?t=')[1] ?? '';
    const [body] = token.split('.');
    const payload = JSON.parse(Buffer.from(body ?? '', 'base64url').toString()) as Record<string, string>;
    const forged = Buffer.from(JSON.stringify({ ...payload, u: 'https://evil.example/' })).toString('base64url');
    for (const bad of [`${forged}.${token.split('.')[1] ?? ''}`, forged, `${token.slice(0, -2)}xx`]) {
      const answer = await fetch(`${tessera.url}/t/c?t=${bad}`, { redirect: 'manual' });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('location')).toBeNull();
    }
    expect((await fetch(`${tessera.url}/t/u?t=${forged}`, { method: 'POST' })).status).toBe(400);
  });

  it('unsubscribes by the one-click POST: consent denied and the address suppressed at once', async () => {
    const url = unsubscribeUrlOf(mail);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    // The page alone changes nothing: link scanners open it.
    expect((await tessera.api<JsonBody>('GET', `/profiles/${profileId}`)).body.consent.email.marketing.state).toBe('granted');

    const posted = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(posted.status).toBe(200);
    const profile = (await tessera.api<JsonBody>('GET', `/profiles/${profileId}`)).body;
    expect(profile.consent.email.marketing.state).toBe('denied');
    expect(profile.suppressions).toEqual([expect.objectContaining({ identifier: 'email:ada@example.com', reason: 'unsubscribed' })]);
    await until(() => timeline(profileId), (e) => e.includes('Unsubscribed'), 'Unsubscribed on the timeline');

    // And no more mail: the next sign-up is suppressed by the journey's policies.
    const before = smtp.mails.length;
    await signUp('ada');
    await tessera.settled();
    await new Promise((r) => setTimeout(r, 700));
    expect(smtp.mails.length).toBe(before);
  });
});

describe('delivery failures', () => {
  it('turns a 5xx reply into Message Bounced and suppresses the address', async () => {
    const profileId = await person('bob', 'bounce-bob@example.com');
    await signUp('bob');
    const [delivery] = await until(() => deliveriesOf(profileId), (d) => d[0]?.status === 'failed', 'the delivery failed');
    expect(delivery.lastError).toContain('No such user');
    expect(delivery.attempts).toBe(1);
    const events = await until(() => timeline(profileId), (e) => e.includes('Message Bounced'), 'Message Bounced on the timeline');
    expect(events).not.toContain('Message Sent');
    const suppressions = (await tessera.api<JsonBody>('GET', '/suppressions?reason=bounced')).body.suppressions;
    expect(suppressions).toEqual([expect.objectContaining({ identifier: 'email:bounce-bob@example.com', reason: 'bounced' })]);
  });

  it('forgets the outbox entries, with their addresses, of a person erased', async () => {
    const profileId = await person('ezra', 'erase-ezra@example.com');
    await signUp('ezra');
    await until(() => deliveriesOf(profileId), (d) => d[0]?.status === 'sent', 'the delivery marked sent');
    expect((await tessera.api('DELETE', `/profiles/${profileId}`)).status).toBe(200);
    expect(await deliveriesOf(profileId)).toEqual([]);
    const all = (await tessera.api<{ deliveries: JsonBody[] }>('GET', '/deliveries?limit=1000')).body.deliveries;
    expect(JSON.stringify(all)).not.toContain('erase-ezra@example.com');
  });

  it('retries a 4xx reply later instead of failing it', async () => {
    const profileId = await person('carl', 'later-carl@example.com');
    await signUp('carl');
    const [delivery] = await until(() => deliveriesOf(profileId), (d) => d[0]?.attempts === 1 && d[0]?.status === 'queued', 'the delivery queued again');
    expect(delivery.lastError).toContain('Try again later');
    expect(Date.parse(delivery.nextAttemptAt)).toBeGreaterThan(Date.now() + 10_000);
  });

  it('fails a send whose template does not exist, saying so', async () => {
    const journey = await tessera.api<JsonBody>('POST', '/journeys', {
      name: 'Missing template',
      definition: {
        entry: { kind: 'event', event: 'Asked' },
        start: 'mail',
        steps: { mail: { type: 'send', channel: 'email', template: 'no-such-template', category: 'transactional', next: 'done' }, done: { type: 'exit' } },
      },
    });
    await tessera.api('POST', `/journeys/${journey.body.id}/publish`);
    const profileId = await person('dora', 'dora@example.com');
    await tessera.track('/v1/track', web.writeKey, { userId: 'dora', event: 'Asked' });
    const [delivery] = await until(() => deliveriesOf(profileId), (d) => d[0]?.status === 'failed', 'the delivery failed');
    expect(delivery.lastError).toBe("template 'no-such-template' does not exist");
    await until(() => timeline(profileId), (e) => e.includes('Message Failed'), 'Message Failed on the timeline');
  });
});

describe('sender identities', () => {
  it("sends a template with its own sender (a brand's) from that identity", async () => {
    const club = { name: 'club-news', content: { email: { subject: 'Club news', text: 'Hello', fromAddress: 'club@outdoor.test', fromName: 'Outdoor Club' } } };
    expect((await tessera.api('POST', '/templates', club)).status).toBe(201);
    const preview = await tessera.api<JsonBody>('POST', '/templates/club-news/render', { profile: { traits: {} } });
    expect(preview.body.content.from).toEqual({ address: 'club@outdoor.test', name: 'Outdoor Club' });
    const journey = await tessera.api<JsonBody>('POST', '/journeys', {
      name: 'Club',
      definition: {
        entry: { kind: 'event', event: 'Joined Club' },
        start: 'mail',
        steps: { mail: { type: 'send', channel: 'email', template: 'club-news', category: 'transactional', next: 'done' }, done: { type: 'exit' } },
      },
    });
    await tessera.api('POST', `/journeys/${journey.body.id}/publish`);
    await person('erin', 'erin@example.com');
    await tessera.track('/v1/track', web.writeKey, { userId: 'erin', event: 'Joined Club' });
    const mail = await mailTo('erin@example.com');
    expect(mail.parsed.from?.value[0]).toEqual({ name: 'Outdoor Club', address: 'club@outdoor.test' });
    // Transactional: no unsubscribe header, no tracking of a text-only mail.
    expect(rawHeader(mail, 'list-unsubscribe')).toBe('');
  });
});

describe('channel configuration', () => {
  it('shows the SMTP settings with the password masked', async () => {
    const put = await tessera.api<JsonBody>('PUT', '/channels/email', {
      settings: { smtpUrl: smtp.url.replace('smtp://', 'smtp://user:s3cret-pass@'), fromAddress: 'news@acme.test', fromName: 'Acme' },
      rateLimit: { perSecond: 20 },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const listed = await tessera.api<JsonBody>('GET', '/channels');
    expect(JSON.stringify(listed.body)).not.toContain('s3cret-pass');
    expect(listed.body.channels[0]).toMatchObject({ channel: 'email', provider: 'smtp', source: 'api', settings: { smtpUrl: expect.stringContaining('user:********@') } });
    const bad = await tessera.api<JsonBody>('PUT', '/channels/email', { settings: { smtpUrl: 'http://nope', fromAddress: 'x@y.z' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0]).toMatchObject({ field: 'settings.smtpUrl', rule: 'pattern' });
  });
});
