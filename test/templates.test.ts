/**
 * The template API: the strict variable check at save, locale variants with
 * fallback, defaults for missing values, and the render preview for a stored
 * profile or given traits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTessera, type JsonBody, type TestTessera } from './helpers/tessera.js';

let tessera: TestTessera;

const cartReminder = {
  name: 'cart-reminder',
  content: {
    email: {
      subject: '{{ traits.first_name | default: "Hello" }}, your cart is waiting',
      html: '<p>{{ event.properties.item | default: "Your items" }} for {{ event.properties.total }} — {{ journey.name }}</p>',
    },
    sms: { text: 'Cart waiting: {{ event.properties.total }}' },
  },
  locales: {
    fr: { email: { subject: '{{ traits.first_name | default: "Bonjour" }}, votre panier vous attend', text: 'Panier : {{ event.properties.total }}' } },
    'pt-BR': { email: { subject: 'Seu carrinho, {{ traits.first_name | default: "olá" }}', text: 'Carrinho' } },
  },
};

beforeAll(async () => {
  tessera = await startTestTessera();
});
afterAll(() => tessera.stop());

describe('saving templates', () => {
  it('creates a template and reads it back by id and by name', async () => {
    const created = await tessera.api<JsonBody>('POST', '/templates', cartReminder);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: 'cart-reminder', version: 1 });
    expect((await tessera.api<JsonBody>('GET', `/templates/${created.body.id}`)).body.name).toBe('cart-reminder');
    expect((await tessera.api<JsonBody>('GET', '/templates/cart-reminder')).body.id).toBe(created.body.id);
    expect((await tessera.api('POST', '/templates', cartReminder)).status).toBe(409);
  });

  it('refuses a variable no profile can supply, naming it and where it is', async () => {
    const answer = await tessera.api<JsonBody>('POST', '/templates', {
      name: 'broken',
      content: { email: { subject: 'Hi {{ traits.favourite_colour }}', text: '{{ traits.favourite_colour | default: "blue" }} {{ customer.name }} {{ journey.owner }}' } },
    });
    expect(answer.status).toBe(400);
    const details = answer.body.details as { field: string; rule: string; message: string }[];
    expect(details.map((d) => [d.field, d.rule])).toEqual([
      ['content.email.subject', 'variable'],
      ['content.email.text', 'variable'],
      ['content.email.text', 'variable'],
    ]);
    expect(details[0]?.message).toContain('{{ traits.favourite_colour }} (line 1, column 7) is not a trait any profile can have');
    expect(details[1]?.message).toContain('{{ customer.name }}');
    expect(details[2]?.message).toContain('{{ journey.owner }} (line 1, column');
    expect(answer.body.message).toContain('traits.favourite_colour');
  });

  it('refuses a syntax error and an unknown filter with their part', async () => {
    const answer = await tessera.api<JsonBody>('POST', '/templates', { name: 'typo', content: { sms: { text: '{{ traits.first_name | shout }}' }, push: { title: '{% if %}', body: 'x' } } });
    expect(answer.status).toBe(400);
    expect((answer.body.details as { field: string; rule: string }[]).map((d) => [d.field, d.rule])).toEqual([
      ['content.sms.text', 'syntax'],
      ['content.push.title', 'syntax'],
    ]);
  });

  it('checks a patch like a creation and bumps the version', async () => {
    const bad = await tessera.api<JsonBody>('PATCH', '/templates/cart-reminder', { content: { sms: { text: '{{ traits.shoe_size }}' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('content.sms.text');
    const good = await tessera.api<JsonBody>('PATCH', '/templates/cart-reminder', { description: 'Reminds of a cart' });
    expect(good.body).toMatchObject({ version: 2, description: 'Reminds of a cart' });
  });
});

describe('rendering a preview', () => {
  const render = (body: unknown) => tessera.api<JsonBody>('POST', '/templates/cart-reminder/render', body);
  const event = { name: 'Product Added', properties: { total: '€42', item: 'Red shoes' } };

  it('uses the default content and the defaults of missing values', async () => {
    const answer = await render({ profile: { traits: {} }, event, journey: { name: 'Abandoned cart' } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toEqual({
      channel: 'email',
      locale: null,
      content: {
        subject: 'Hello, your cart is waiting',
        html: '<p>Red shoes for €42 — Abandoned cart</p>',
        text: 'Red shoes for €42 — Abandoned cart',
      },
    });
  });

  it('chooses the locale variant by the locale trait, falling back to the language, then the default', async () => {
    const subject = async (locale: string): Promise<unknown> => (await render({ profile: { traits: { locale, first_name: 'Zoé' } }, event })).body;
    expect(await subject('fr-CA')).toMatchObject({ locale: 'fr', content: { subject: 'Zoé, votre panier vous attend', text: 'Panier : €42' } });
    expect(await subject('pt_br')).toMatchObject({ locale: 'pt-BR', content: { subject: 'Seu carrinho, Zoé' } });
    expect(await subject('de')).toMatchObject({ locale: null, content: { subject: 'Zoé, your cart is waiting' } });
  });

  it('renders for a stored profile, escaping trait values in HTML', async () => {
    const web = await tessera.createSource('Web', 'web');
    await tessera.track('/v1/identify', web.writeKey, { userId: 'eve', traits: { first_name: '<b>Eve</b>', locale: 'en-GB' } });
    await tessera.settled();
    const profileId = (await tessera.api<JsonBody>('GET', '/profiles?identifier=user_id:eve')).body.profiles[0].id as string;
    const tpl = await tessera.api<JsonBody>('POST', '/templates', { name: 'hello', content: { email: { subject: 'Hi {{ traits.first_name }}', html: '<p>{{ traits.first_name }}</p>' } } });
    expect(tpl.status).toBe(201);
    const answer = await tessera.api<JsonBody>('POST', '/templates/hello/render', { profileId });
    expect(answer.body.content).toEqual({ subject: 'Hi <b>Eve</b>', html: '<p>&lt;b&gt;Eve&lt;/b&gt;</p>', text: '<b>Eve</b>' });
    expect((await tessera.api<JsonBody>('POST', '/templates/hello/render', { profileId: 'prf_missing' })).status).toBe(404);
  });

  it('renders another channel on request and refuses a channel without content', async () => {
    expect((await render({ profile: { traits: {} }, event, channel: 'sms' })).body.content).toEqual({ text: 'Cart waiting: €42' });
    const none = await render({ profile: { traits: {} }, channel: 'push' });
    expect(none.status).toBe(400);
    expect(none.body.message).toContain('the template has no push content');
  });

  it('asks for exactly one of profileId and profile', async () => {
    const answer = await render({});
    expect(answer.status).toBe(400);
    expect(answer.body.details[0]).toMatchObject({ field: 'profileId', rule: 'oneOf' });
  });
});

describe('deleting', () => {
  it('deletes by name; the template is gone', async () => {
    expect((await tessera.api('DELETE', '/templates/hello')).status).toBe(204);
    expect((await tessera.api('GET', '/templates/hello')).status).toBe(404);
  });
});
