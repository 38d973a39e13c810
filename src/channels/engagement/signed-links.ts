import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a tracking link stands for: an open pixel, a click to `url`, or an unsubscribe, of one delivery. */
export type LinkPayload =
  | { readonly kind: 'open'; readonly deliveryId: string }
  | { readonly kind: 'click'; readonly deliveryId: string; readonly url: string }
  | { readonly kind: 'unsubscribe'; readonly deliveryId: string };

const kinds = { open: 'o', click: 'c', unsubscribe: 'u' } as const;

/**
 * Tokens for the public tracking routes: the payload (base64url JSON) and an
 * HMAC-SHA256 of it under the installation's link secret. Only Tessera can
 * make one, so a click can only redirect where a sent message linked, and an
 * unsubscribe only name a delivery that exists.
 */
export class LinkSigner {
  readonly #secret: Buffer;

  constructor(secret: Buffer) {
    this.#secret = secret;
  }

  sign(payload: LinkPayload): string {
    const short = payload.kind === 'click' ? { k: kinds.click, d: payload.deliveryId, u: payload.url } : { k: kinds[payload.kind], d: payload.deliveryId };
    const body = Buffer.from(JSON.stringify(short)).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** The payload of a token made by `sign`; undefined for anything else (tampered, truncated, unsigned). */
  verify(token: string): LinkPayload | undefined {
    const [body, mac, ...rest] = token.split('.');
    if (body === undefined || mac === undefined || rest.length > 0) return undefined;
    const expected = Buffer.from(this.#mac(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let short: { k?: unknown; d?: unknown; u?: unknown };
    try {
      short = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof short;
    } catch {
      return undefined;
    }
    if (typeof short.d !== 'string') return undefined;
    if (short.k === kinds.open) return { kind: 'open', deliveryId: short.d };
    if (short.k === kinds.unsubscribe) return { kind: 'unsubscribe', deliveryId: short.d };
    if (short.k === kinds.click && typeof short.u === 'string') return { kind: 'click', deliveryId: short.d, url: short.u };
    return undefined;
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }
}
