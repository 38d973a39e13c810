import { randomBytes, randomUUID } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random string over [0-9A-Za-z]; unbiased (rejection sampling). */
export function randomToken(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += alphabet[byte % 62];
    }
  }
  return out;
}

/** Resource ids carry a short prefix saying what they are, e.g. `src_3fK9…`. */
export const newId = (prefix: string): string => `${prefix}_${randomToken(20)}`;

export const newMessageId = (): string => randomUUID();
