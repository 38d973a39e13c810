/**
 * Journey effects performed end to end, on the real clock: webhook calls to a
 * local HTTP server (templated body, retries, branching on the answer),
 * profile updates landing on the golden record, jumps into another journey,
 * and instances collapsing when two profiles merge.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceView, Source } from '../src/contracts/index.js';
import { startTestTessera, type JsonBody, type TestTessera } from './helpers/tessera.js';
import { until } from './helpers/wait.js';

interface Call {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let tessera: TestTessera;
let web: Source;
let receiver: Server;
let base: string;
const calls: Call[] = [];
/** How the receiver answers a path, given how often it was called there. */
const answers = new Map<string, (call: Call, nth: number) => { status: number; json?: unknown }>();

function receive(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const path = request.url ?? '';
    const call = { path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
    calls.push(call);
    const prefix = [...answers.keys()].find((p) => path.startsWith(p));
    const answer = prefix === undefined ? { status: 404 } : (answers.get(prefix)?.(call, calls.filter((c) => c.path === path).length) ?? { status: 404 });
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.json === undefined ? '' : JSON.stringify(answer.json));
  });
}

const callsTo = (prefix: string): Call[] => calls.filter((c) => c.path.startsWith(prefix));

async function liveJourney(name: string, definition: unknown): Promise<string> {
  const created = await tessera.api<JsonBody>('POST', '/journeys', { name, definition });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect((await tessera.api('POST', `/journeys/${created.body.id}/publish`)).status).toBe(200);
  return created.body.id as string;
}

async function profileOf(identifier: string): Promise<string> {
  const found = await until(
    async () => (await tessera.api<JsonBody>('GET', `/profiles?identifier=${identifier}`)).body.profiles as { id: string }[],
    (p) => p.length === 1,
    `the profile of ${identifier}`,
  );
  return found[0]?.id ?? '';
}

const track = async (body: Record<string, unknown>) => {
  expect((await tessera.track('/v1/track', web.writeKey, body)).status).toBe(200);
  await tessera.settled();
};
const journeysOf = async (profileId: string): Promise<InstanceView[]> =>
  (await tessera.api<{ journeys: InstanceView[] }>('GET', `/profiles/${profileId}/journeys`)).body.journeys;
const instanceIn = (profileId: string, journeyId: string, done: (i: InstanceView) => boolean, what: string): Promise<InstanceView> =>
  until(
    async () => (await journeysOf(profileId)).find((i) => i.journeyId === journeyId),
    (i) => i !== undefined && done(i),
    what,
  ) as Promise<InstanceView>;
const sendsTo = async (profileId: string, journeyId: string): Promise<{ template: string }[]> =>
  (await tessera.api<{ sends: { template: string; journeyId: string }[] }>('GET', `/sends?profileId=${profileId}`)).body.sends.filter((s) => s.journeyId === journeyId);

beforeAll(async () => {
  receiver = createServer(receive);
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  tessera = await startTestTessera();
  web = await tessera.createSource('Web', 'web');
});
afterAll(async () => {
  await tessera.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('webhook step', () => {
  it('renders the body from traits, the entry event and the journey, then branches on a field of the answer', async () => {
    answers.set('/crm/', (call) => ({ status: 200, json: { tier: call.body.includes('gold@') ? 'gold' : 'basic' } }));
    const journey = await liveJourney('CRM sync', {
      entry: { kind: 'event', event: 'Lead Created' },
      start: 'crm',
      steps: {
        crm: {
          type: 'webhook',
          url: `${base}/crm/{{ profile.id }}`,
          headers: { authorization: 'Bearer crm-token' },
          body: '{"email": {{ traits.email | json }}, "source": {{ event.properties.source | json }}, "journey": {{ journey.name | json }}, "step": "{{ journey.step }}"}',
          onResponse: { branches: [{ status: '2xx', condition: 'trait.response.body.tier = "gold"', next: 'vip' }], else: 'welcome' },
          onFailure: 'end',
        },
        vip: { type: 'updateProfile', set: { tier: 'gold' }, increment: { crm_syncs: 1 }, next: 'end' },
        welcome: { type: 'send', channel: 'in_app', template: 'welcome', category: 'transactional', next: 'end' },
        end: { type: 'exit' },
      },
    });
    for (const [userId, source] of [['lead-gold', 'ads'], ['lead-basic', 'seo']] as const) {
      expect((await tessera.track('/v1/identify', web.writeKey, { userId, traits: { email: `${userId.slice(5)}@example.com` } })).status).toBe(200);
      await track({ userId, event: 'Lead Created', properties: { source } });
    }
    const gold = await profileOf('user_id:lead-gold');
    const basic = await profileOf('user_id:lead-basic');

    const goldInstance = await instanceIn(gold, journey, (i) => i.status === 'completed', 'the gold lead to finish');
    const goldCall = callsTo(`/crm/${gold}`);
    expect(goldCall).toHaveLength(1);
    expect(JSON.parse(goldCall[0]?.body ?? '')).toEqual({ email: 'gold@example.com', source: 'ads', journey: 'CRM sync', step: 'crm' });
    expect(goldCall[0]?.headers).toMatchObject({ authorization: 'Bearer crm-token', 'content-type': 'application/json', 'idempotency-key': `${goldInstance.id}:crm:0` });
    expect(goldInstance.history.find((h) => h.kind === 'resumed')?.detail).toBe('answered 200 after 1 attempt: branch 1 held');
    // The profile update is performed through the log onto the golden record.
    const traits = await until(
      async () => (await tessera.api<JsonBody>('GET', `/profiles/${gold}`)).body.traits as Record<string, { value: unknown }>,
      (t) => t.tier !== undefined,
      'the tier on the golden record',
    );
    expect(traits).toMatchObject({ tier: { value: 'gold' }, crm_syncs: { value: 1 } });

    const basicInstance = await instanceIn(basic, journey, (i) => i.status === 'completed', 'the basic lead to finish');
    expect(basicInstance.history.find((h) => h.kind === 'resumed')?.detail).toBe('answered 200 after 1 attempt: no branch held: else');
    expect((await sendsTo(basic, journey)).map((s) => s.template)).toEqual(['welcome']);
  });

  it('simulates a webhook step without calling it, taking it as answered 200', async () => {
    const journey = (await tessera.api<JsonBody>('GET', '/journeys')).body.journeys.find((j: { name: string }) => j.name === 'CRM sync');
    const before = calls.length;
    const sim = await tessera.api<JsonBody>('POST', `/journeys/${journey.id}/simulate`, {
      profile: { traits: { email: 'sim@example.com' } },
      events: [{ event: 'Lead Created', properties: { source: 'sim' }, timestamp: '2026-01-01T10:00:00Z' }],
    });
    expect(sim.status).toBe(200);
    const path = sim.body.path as { kind: string; detail: string }[];
    expect(path.find((p) => p.kind === 'webhook' && p.detail.startsWith('simulated'))?.detail).toBe('simulated: not called, taken as answered 200');
    expect(path.find((p) => p.kind === 'resumed')?.detail).toBe('answered 200 after 1 attempt: no branch held: else');
    expect(sim.body.messages.map((m: { template: string }) => m.template)).toEqual(['welcome']);
    expect(calls.length).toBe(before);
  });

  it('retries a transient failure with the same idempotency key, and goes on when it then succeeds', async () => {
    answers.set('/flaky-once', (_, nth) => (nth === 1 ? { status: 503 } : { status: 204 }));
    const journey = await liveJourney('Flaky once', {
      entry: { kind: 'event', event: 'Flaky Once' },
      start: 'call',
      steps: {
        call: { type: 'webhook', url: `${base}/flaky-once/{{ profile.id }}`, retries: 2, next: 'done', onFailure: 'fallback' },
        done: { type: 'send', channel: 'in_app', template: 'called', category: 'transactional', next: 'end' },
        fallback: { type: 'send', channel: 'in_app', template: 'fallback', category: 'transactional', next: 'end' },
        end: { type: 'exit' },
      },
    });
    await track({ userId: 'flaky-1', event: 'Flaky Once' });
    const person = await profileOf('user_id:flaky-1');
    await instanceIn(person, journey, (i) => i.status === 'completed', 'the call to succeed on its retry');
    const made = callsTo(`/flaky-once/${person}`);
    expect(made).toHaveLength(2);
    expect(made[0]?.headers['idempotency-key']).toBe(made[1]?.headers['idempotency-key']);
    expect((await sendsTo(person, journey)).map((s) => s.template)).toEqual(['called']);
  });

  it('takes onFailure once the retries run out, and calls no more', async () => {
    answers.set('/down', () => ({ status: 500 }));
    const journey = await liveJourney('Always down', {
      entry: { kind: 'event', event: 'Down' },
      start: 'call',
      steps: {
        call: { type: 'webhook', url: `${base}/down/{{ profile.id }}`, retries: 1, next: 'done', onFailure: 'fallback' },
        done: { type: 'send', channel: 'in_app', template: 'called', category: 'transactional', next: 'end' },
        fallback: { type: 'send', channel: 'in_app', template: 'fallback', category: 'transactional', next: 'end' },
        end: { type: 'exit' },
      },
    });
    await track({ userId: 'down-1', event: 'Down' });
    const person = await profileOf('user_id:down-1');
    const instance = await instanceIn(person, journey, (i) => i.status === 'completed', 'the failure path');
    expect(instance.history.find((h) => h.kind === 'resumed')?.detail).toBe('answered 500 after 2 attempts: onFailure');
    expect((await sendsTo(person, journey)).map((s) => s.template)).toEqual(['fallback']);
    await new Promise((r) => setTimeout(r, 1500));
    expect(callsTo(`/down/${person}`)).toHaveLength(2);
  });

  it('branches on the status when the receiver answers an error', async () => {
    answers.set('/lookup', () => ({ status: 404, json: { error: 'unknown customer' } }));
    const journey = await liveJourney('Lookup', {
      entry: { kind: 'event', event: 'Lookup' },
      start: 'call',
      steps: {
        call: {
          type: 'webhook',
          url: `${base}/lookup`,
          onResponse: { branches: [{ status: '2xx', next: 'known' }, { status: 404, condition: 'trait.response.body.error = "unknown customer"', next: 'unknown' }], else: 'end' },
        },
        known: { type: 'send', channel: 'in_app', template: 'known', category: 'transactional', next: 'end' },
        unknown: { type: 'send', channel: 'in_app', template: 'unknown', category: 'transactional', next: 'end' },
        end: { type: 'exit' },
      },
    });
    await track({ userId: 'lookup-1', event: 'Lookup' });
    const person = await profileOf('user_id:lookup-1');
    const instance = await instanceIn(person, journey, (i) => i.status === 'completed', 'the 404 branch');
    expect(instance.history.find((h) => h.kind === 'resumed')?.detail).toBe('answered 404 after 1 attempt: branch 2 held');
    expect((await sendsTo(person, journey)).map((s) => s.template)).toEqual(['unknown']);
  });

  it('refuses a webhook step whose template, branches or way on is wrong, saying where', async () => {
    const res = await tessera.api<JsonBody>('POST', '/journeys', {
      name: 'Bad webhook',
      definition: {
        entry: { kind: 'api' },
        start: 'a',
        steps: {
          a: { type: 'webhook', url: `${base}/x`, body: '{"a": {{ traits.a | nosuchfilter }}}', next: 'b' },
          b: { type: 'webhook', url: `${base}/x`, onResponse: { branches: [{ condition: 'trait.response.status >', next: 'end' }], else: 'end' }, next: 'end' },
          c: { type: 'webhook', url: `${base}/{% if %}` },
          end: { type: 'exit' },
        },
      },
    });
    expect(res.status).toBe(400);
    const details = res.body.details as { field: string; message: string }[];
    expect(details.map((d) => d.field)).toEqual(
      expect.arrayContaining([
        'definition.steps.a.body',
        'definition.steps.b.onResponse.branches[0].condition',
        'definition.steps.b.next',
        'definition.steps.c.url',
        'definition.steps.c.next',
      ]),
    );
    expect(details.find((d) => d.field === 'definition.steps.b.next')?.message).toMatch(/use onResponse.else/);
  });
});

describe('jump', () => {
  it('ends the instance and enters the person into the other journey', async () => {
    const target = await liveJourney('Jump target', {
      entry: { kind: 'api' },
      start: 'hello',
      steps: { hello: { type: 'send', channel: 'in_app', template: 'jumped-in', category: 'transactional', next: 'end' }, end: { type: 'exit' } },
    });
    const source = await liveJourney('Jump source', {
      entry: { kind: 'event', event: 'Jump' },
      start: 'go',
      steps: { go: { type: 'jump', journey: 'Jump target' } },
    });
    await track({ userId: 'jumper', event: 'Jump' });
    const person = await profileOf('user_id:jumper');
    expect(await instanceIn(person, source, (i) => i.status === 'exited', 'the source instance to end')).toMatchObject({ exitReason: 'jumped to "Jump target"' });
    await instanceIn(person, target, (i) => i.status === 'completed', 'the target journey to run');
    expect((await sendsTo(person, target)).map((s) => s.template)).toEqual(['jumped-in']);
  });
});

describe('merged profiles', () => {
  it('collapses two instances of one journey into one when the profiles merge, saying why', async () => {
    const journey = await liveJourney('Browse follow-up', {
      entry: { kind: 'event', event: 'Browsed' },
      start: 'wait',
      steps: { wait: { type: 'wait', duration: { amount: 2, unit: 'days' }, next: 'end' }, end: { type: 'exit' } },
    });
    await track({ anonymousId: 'anon-phone', event: 'Browsed' });
    await track({ anonymousId: 'anon-laptop', event: 'Browsed' });
    const phone = await profileOf('anonymous_id:anon-phone');
    const laptop = await profileOf('anonymous_id:anon-laptop');
    expect(phone).not.toBe(laptop);
    for (const anonymousId of ['anon-phone', 'anon-laptop']) {
      expect((await tessera.track('/v1/identify', web.writeKey, { userId: 'merged-user', anonymousId })).status).toBe(200);
    }
    await tessera.settled();
    const person = await profileOf('user_id:merged-user');
    const instances = await until(
      async () => (await journeysOf(person)).filter((i) => i.journeyId === journey),
      (all) => all.length === 2 && all.filter((i) => i.status === 'active').length === 1,
      'one instance to go on',
    );
    const [kept, ended] = [instances.find((i) => i.status === 'active'), instances.find((i) => i.status !== 'active')];
    expect(ended).toMatchObject({ status: 'exited', exitReason: `profiles merged; continues as ${kept?.id}` });
  });
});
