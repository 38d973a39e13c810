/** What `tessera demo` creates through the management API: sources, templates, segments, journeys, contact policies. */
import type { DemoSource } from './retail-brand.js';

export type CallApi = <T>(method: string, path: string, body?: unknown) => Promise<T>;

const shop = 'https://shop.northwind.example';
const footer = '<p style="color:#888;font-size:12px">Northwind Outdoor · <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>';

export const demoTemplates = [
  {
    name: 'welcome',
    description: 'First mail of the welcome series',
    content: {
      email: {
        subject: 'Welcome to Northwind Outdoor, {{ traits.first_name | default: "friend" }}',
        html: `<h1>Welcome, {{ traits.first_name | default: "friend" }}!</h1><p>Good to have you with us in {{ traits.city | default: "your city" }}.</p><p><a href="${shop}/new">See what is new this week</a></p>${footer}`,
      },
    },
    locales: {
      fr: {
        email: {
          subject: 'Bienvenue chez Northwind Outdoor, {{ traits.first_name | default: "ami" }}',
          html: `<h1>Bienvenue, {{ traits.first_name | default: "ami" }} !</h1><p><a href="${shop}/fr/nouveautes">Voir les nouveautés</a></p>${footer}`,
        },
      },
    },
  },
  {
    name: 'welcome-tips',
    description: 'Second mail of the welcome series, two days later',
    content: {
      email: {
        subject: 'Three tips for your first trail, {{ traits.first_name | default: "friend" }}',
        html: `<ol><li>Start short</li><li>Layer up</li><li>Break in your shoes</li></ol><p><a href="${shop}/guides/first-trail">Read the guide</a></p>${footer}`,
      },
    },
  },
  {
    name: 'cart-reminder',
    description: 'Sent when a cart is left for a minute (a demo speed; an hour in real life)',
    content: {
      email: {
        subject: '{{ traits.first_name | default: "Hi" }}, you left {{ event.properties.name | default: "something" }} in your cart',
        html: `<p>Your {{ event.properties.name | default: "item" }} is still waiting.</p><p><a href="${shop}/cart/{{ event.properties.cart_id | default: "" }}">Back to your cart</a></p>${footer}`,
      },
    },
  },
];

export const demoSegments = [
  { name: 'Store shoppers', definition: 'seen on pos' },
  { name: 'Frequent buyers', definition: 'count(event "Order Completed", last 90d) >= 3' },
  { name: 'Carts this hour', definition: 'performed "Product Added" within last 1 hours' },
];

export const demoJourneys = [
  {
    name: 'Welcome series',
    definition: {
      entry: { kind: 'event', event: 'Signed Up' },
      rules: { reentry: 'never' },
      start: 'welcome',
      steps: {
        welcome: { type: 'send', channel: 'email', template: 'welcome', category: 'marketing', next: 'pause' },
        pause: { type: 'wait', duration: { amount: 2, unit: 'days' }, next: 'tips' },
        tips: { type: 'send', channel: 'email', template: 'welcome-tips', category: 'marketing', next: 'done' },
        done: { type: 'exit' },
      },
    },
  },
  {
    name: 'Abandoned cart',
    definition: {
      entry: { kind: 'event', event: 'Product Added' },
      goal: { event: 'Order Completed', within: { amount: 7, unit: 'days' } },
      start: 'wait_order',
      steps: {
        wait_order: {
          type: 'waitForEvent',
          event: 'Order Completed',
          correlate: { cart_id: 'cart_id' },
          timeout: { amount: 1, unit: 'minutes' },
          onEvent: 'done',
          onTimeout: 'remind',
        },
        remind: { type: 'send', channel: 'email', template: 'cart-reminder', category: 'marketing', next: 'done' },
        done: { type: 'exit' },
      },
    },
  },
];

export const demoSources: readonly { key: DemoSource; name: string; channel: string }[] = [
  { key: 'web', name: 'Web shop', channel: 'web' },
  { key: 'app', name: 'iOS app', channel: 'ios' },
  { key: 'pos', name: 'Store tills', channel: 'pos' },
  { key: 'call_center', name: 'Call centre', channel: 'call_center' },
  { key: 'email', name: 'Email provider', channel: 'email' },
];

/** Identity and profile rules of the demo: the email_opt_in trait states email marketing consent. */
export const demoConfigFile = {
  profiles: { consent: { traits: { email_opt_in: [{ channel: 'email', purpose: 'marketing' }] } } },
};

/** Creates everything; returns each source's write key. */
export async function setUpDemo(api: CallApi): Promise<Record<DemoSource, string>> {
  const keys: Partial<Record<DemoSource, string>> = {};
  for (const source of demoSources) {
    keys[source.key] = (await api<{ writeKey: string }>('POST', '/sources', { name: source.name, channel: source.channel })).writeKey;
  }
  for (const template of demoTemplates) await api('POST', '/templates', template);
  for (const segment of demoSegments) await api('POST', '/segments', segment);
  // A frequency cap people would expect from a retailer: at most 3 marketing mails a day.
  await api('PUT', '/policies', { frequencyCaps: [{ channels: 'all', max: 3, days: 1 }] });
  for (const journey of demoJourneys) {
    const created = await api<{ id: string }>('POST', '/journeys', journey);
    await api('POST', `/journeys/${created.id}/publish`);
  }
  return keys as Record<DemoSource, string>;
}
