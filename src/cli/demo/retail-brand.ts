/**
 * A generated retail brand for `tessera demo`: customers seen across the web
 * shop, the app, store tills, the call centre and the email provider, each
 * channel knowing them by what it has (an anonymous id, a customer id, a
 * phone number, an email address), so the identity graph has work to do.
 * Deterministic for a seed.
 */

export type DemoSource = 'web' | 'app' | 'pos' | 'call_center' | 'email';

export interface DemoMessage {
  readonly source: DemoSource;
  readonly body: Record<string, unknown>;
}

/** mulberry32: small, fast and good enough to make demo data repeatable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const firstNames = ['Ada', 'Ben', 'Chloé', 'Dev', 'Elif', 'Finn', 'Grace', 'Hugo', 'Iris', 'Jonas', 'Kemi', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tara', 'Umar', 'Vera', 'Wen', 'Yara', 'Zoé'];
const lastNames = ['Adams', 'Berg', 'Costa', 'Dubois', 'Evans', 'Fischer', 'García', 'Hansen', 'Ito', 'Jensen', 'Kowalski', 'Lopez', 'Müller', 'Nowak', 'Okafor', 'Petit', 'Rossi', 'Silva', 'Tanaka', 'Weber'];
const cities = ['London', 'Paris', 'Berlin', 'Madrid', 'Lisbon', 'Milan', 'Amsterdam', 'Dublin'];
const locales = ['en-GB', 'en-GB', 'en-GB', 'fr-FR', 'de-DE', 'es-ES'];
export const products = [
  { sku: 'TRL-RUN-01', name: 'Trail running shoes', price: 119 },
  { sku: 'RNC-JKT-02', name: 'Rain jacket', price: 89 },
  { sku: 'MRN-TEE-03', name: 'Merino T-shirt', price: 45 },
  { sku: 'HKE-PCK-04', name: 'Hiking backpack 30 L', price: 129 },
  { sku: 'WLL-SCK-05', name: 'Wool socks (3 pairs)', price: 24 },
  { sku: 'CMP-MUG-06', name: 'Enamel camping mug', price: 15 },
];
const stores = ['London Soho', 'Paris Marais', 'Berlin Mitte'];

export interface DemoCustomer {
  readonly n: number;
  readonly userId: string;
  readonly email: string;
  readonly phone: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly city: string;
  readonly locale: string;
  readonly marketingOptIn: boolean;
}

export class RetailBrand {
  readonly #random: () => number;
  #carts = 0;

  constructor(seed = 7) {
    this.#random = seededRandom(seed);
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)] as T;
  }

  customer(n: number): DemoCustomer {
    const firstName = firstNames[n % firstNames.length] ?? 'Alex';
    const lastName = lastNames[Math.floor(n / firstNames.length) % lastNames.length] ?? 'Smith';
    const handle = `${firstName}.${lastName}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
    return {
      n,
      userId: `cust-${String(n).padStart(5, '0')}`,
      email: `${handle}.${n}@example.com`,
      phone: `+4477009${String(n).padStart(5, '0')}`,
      firstName,
      lastName,
      city: cities[n % cities.length] ?? 'London',
      locale: locales[n % locales.length] ?? 'en-GB',
      marketingOptIn: n % 5 !== 0,
    };
  }

  #traits(c: DemoCustomer): Record<string, unknown> {
    return { email: c.email, first_name: c.firstName, last_name: c.lastName, city: c.city, locale: c.locale, email_opt_in: c.marketingOptIn };
  }

  /** A customer's past, over the 90 days before `now`: what each channel saw of them. */
  history(c: DemoCustomer, now: number): DemoMessage[] {
    const at = (daysAgo: number): string => new Date(now - daysAgo * 86_400_000 - Math.floor(this.#random() * 3_600_000)).toISOString();
    const out: DemoMessage[] = [];
    const anonymousId = `anon-${c.n}`;
    const start = 10 + this.#random() * 80;
    if (this.#random() < 0.8) {
      for (let i = 0; i < 1 + Math.floor(this.#random() * 4); i++) {
        const p = this.#pick(products);
        out.push({ source: 'web', body: { type: 'page', anonymousId, name: p.name, properties: { path: `/p/${p.sku}` }, timestamp: at(start - i) } });
      }
      out.push({ source: 'web', body: { type: 'identify', anonymousId, userId: c.userId, traits: this.#traits(c), timestamp: at(start - 4) } });
    }
    if (this.#random() < 0.5) {
      out.push({ source: 'app', body: { type: 'identify', userId: c.userId, traits: { email: c.email, first_name: c.firstName }, timestamp: at(start - 5) } });
      out.push({ source: 'app', body: { type: 'screen', userId: c.userId, name: 'Home', timestamp: at(start - 5) } });
    }
    const orders = Math.floor(this.#random() * 5);
    for (let i = 0; i < orders; i++) {
      const p = this.#pick(products);
      const inStore = this.#random() < 0.4;
      const when = at(Math.max(0.5, start - 6 - i * 7));
      if (inStore) {
        const card = `card-${c.n}`;
        out.push({ source: 'pos', body: { type: 'identify', anonymousId: card, traits: { phone: c.phone }, timestamp: when } });
        out.push({ source: 'pos', body: { type: 'track', anonymousId: card, event: 'Order Completed', properties: { total: p.price, sku: p.sku, store: this.#pick(stores) }, timestamp: when } });
      } else {
        out.push({ source: 'web', body: { type: 'track', userId: c.userId, event: 'Order Completed', properties: { total: p.price, sku: p.sku, order_id: `o-${c.n}-${i}` }, timestamp: when } });
      }
    }
    if (this.#random() < 0.15) {
      const when = at(Math.max(0.2, start - 20));
      out.push({ source: 'call_center', body: { type: 'identify', userId: c.userId, traits: { phone: c.phone, email: c.email }, timestamp: when } });
      out.push({ source: 'call_center', body: { type: 'track', userId: c.userId, event: 'Support Call', properties: { topic: this.#pick(['delivery', 'returns', 'sizing']) }, timestamp: when } });
    }
    if (this.#random() < 0.3) {
      out.push({ source: 'email', body: { type: 'track', userId: c.userId, event: 'Newsletter Opened', properties: { issue: 'autumn' }, context: { traits: { email: c.email } }, timestamp: at(start - 2) } });
    }
    return out;
  }

  /** A newcomer signing up on the web shop now (the welcome series reacts). */
  signUp(c: DemoCustomer, now: number): DemoMessage[] {
    const timestamp = new Date(now).toISOString();
    return [
      { source: 'web', body: { type: 'identify', userId: c.userId, traits: this.#traits(c), timestamp } },
      { source: 'web', body: { type: 'track', userId: c.userId, event: 'Signed Up', properties: { method: 'email' }, timestamp } },
    ];
  }

  /** A known customer adding to a cart now; half of them buy it a few seconds later (the abandoned-cart journey waits for that). */
  shop(c: DemoCustomer, now: number): { added: DemoMessage[]; bought: DemoMessage[] } {
    const p = this.#pick(products);
    const cartId = `cart-${++this.#carts}-${c.n}`;
    const added: DemoMessage[] = [
      { source: 'web', body: { type: 'track', userId: c.userId, event: 'Product Added', properties: { cart_id: cartId, sku: p.sku, name: p.name, price: p.price }, timestamp: new Date(now).toISOString() } },
    ];
    const bought: DemoMessage[] =
      this.#random() < 0.5
        ? [{ source: 'web', body: { type: 'track', userId: c.userId, event: 'Order Completed', properties: { cart_id: cartId, total: p.price, sku: p.sku }, timestamp: new Date(now + 5_000).toISOString() } }]
        : [];
    return { added, bought };
  }

  random(): number {
    return this.#random();
  }
}
