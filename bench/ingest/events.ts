/**
 * Realistic track calls for the ingest benchmark, pre-serialized so the load
 * generator spends its share of the two cores on sending, not on JSON.stringify.
 * Each event is a template split around its messageId; a body is the templates
 * glued together with fresh, unique ids.
 */

const products = ['Trail Runner 2', 'City Sneaker', 'Wool Socks (3 pack)', 'Rain Jacket', 'Canvas Tote', 'Merino Beanie'];
const events = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Product List Filtered'];
const agents = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
];

/** A track call's JSON with a hole where the messageId goes. */
interface Template {
  readonly before: string;
  readonly after: string;
}

const hole = '@messageId@';

function template(i: number): Template {
  const product = products[i % products.length]!;
  const sku = `sku-${(1000 + ((i * 7919) % 9000)).toString()}`;
  const path = `/p/${sku}`;
  const event = {
    type: 'track',
    messageId: hole,
    anonymousId: `anon-${(i * 2654435761) % 1_000_000_007}`,
    userId: i % 3 === 0 ? null : `user_${i % 5000}`,
    event: events[i % events.length],
    properties: { product_id: sku, name: product, price: 19.99 + (i % 80), currency: 'EUR', quantity: 1 + (i % 3) },
    context: {
      library: { name: 'analytics.js', version: '5.2.0' },
      page: { path, url: `https://shop.example.com${path}` },
      userAgent: agents[i % agents.length],
      locale: 'en-GB',
    },
    timestamp: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
  };
  const [before, after] = JSON.stringify(event).split(hole) as [string, string];
  return { before, after };
}

const templates = Array.from({ length: 997 }, (_, i) => template(i));

/** Makes unique, UUID-sized messageIds: a per-run prefix, the client number, a counter. */
export class EventSource {
  readonly #prefix: string;
  #seq = 0;

  constructor(runId: string, client: number) {
    this.#prefix = `${runId}-${String(client).padStart(4, '0')}-`;
  }

  #next(): string {
    const seq = this.#seq++;
    const { before, after } = templates[seq % templates.length]!;
    return `${before}${this.#prefix}${String(seq).padStart(16, '0')}${after}`;
  }

  /** A /v1/track body. */
  single(): string {
    return this.#next();
  }

  /** A /v1/batch body with `size` events. */
  batch(size: number, sentAt: string): string {
    const parts = new Array<string>(size);
    for (let i = 0; i < size; i++) parts[i] = this.#next();
    return `{"batch":[${parts.join(',')}],"sentAt":"${sentAt}"}`;
  }
}
