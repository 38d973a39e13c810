import { describe, expect, it } from 'vitest';
import { LinkSigner } from './signed-links.js';

const signer = new LinkSigner(Buffer.alloc(32, 7));

describe('LinkSigner', () => {
  it('verifies its own tokens, of each kind', () => {
    for (const payload of [
      { kind: 'open', deliveryId: 'i:s:1' },
      { kind: 'unsubscribe', deliveryId: 'i:s:1' },
      { kind: 'click', deliveryId: 'i:s:1', url: 'https://shop.example/a?b=1&c=2' },
    ] as const) {
      expect(signer.verify(signer.sign(payload))).toEqual(payload);
    }
  });

  it('refuses another secret, a changed payload, a missing or extra part', () => {
    const token = signer.sign({ kind: 'click', deliveryId: 'd', url: 'https://a.example/' });
    const [body, mac] = token.split('.') as [string, string];
    const changed = Buffer.from(JSON.stringify({ k: 'c', d: 'd', u: 'https://evil.example/' })).toString('base64url');
    expect(new LinkSigner(Buffer.alloc(32, 8)).verify(token)).toBeUndefined();
    expect(signer.verify(`${changed}.${mac}`)).toBeUndefined();
    expect(signer.verify(body)).toBeUndefined();
    expect(signer.verify(`${token}.x`)).toBeUndefined();
    expect(signer.verify('')).toBeUndefined();
  });
});
