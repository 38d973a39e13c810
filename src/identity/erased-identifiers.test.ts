import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErasedIdentifiers } from './erased-identifiers.js';

const secret = Buffer.alloc(32, 7);

/** `existing: null` starts without a secret yet. */
function erasedWith(hashes: string[] = [], existing: Buffer | null = secret) {
  const drops: string[] = [];
  let created = 0;
  const erased = new ErasedIdentifiers({
    hashes,
    secret: existing ?? undefined,
    obtainSecret: async () => {
      created += 1;
      return secret;
    },
    onDropped: (stage) => drops.push(stage),
  });
  return { erased, drops, created: () => created };
}

describe('ErasedIdentifiers', () => {
  it('hashes with the installation secret: not a bare hash, and another secret gives another hash', async () => {
    const { erased } = erasedWith();
    const [hash] = await erased.hashesOf(['email:jane@example.com']);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toBe(createHash('sha256').update('email:jane@example.com').digest('hex'));
    const other = new ErasedIdentifiers({ hashes: [], secret: Buffer.alloc(32, 8), obtainSecret: async () => Buffer.alloc(32, 8) });
    expect(await other.hashesOf(['email:jane@example.com'])).not.toEqual([hash]);
  });

  it('drops and counts the messages carrying an erased identifier, per stage', async () => {
    const { erased, drops } = erasedWith();
    erased.add(await erased.hashesOf(['user_id:gone']));
    expect(erased.drops('unify', ['anonymous_id:a1', 'user_id:gone'])).toBe(true);
    expect(erased.drops('event-store', ['user_id:gone'])).toBe(true);
    expect(erased.drops('unify', ['user_id:kept'])).toBe(false);
    expect(erased.drops('unify', [])).toBe(false);
    expect(drops).toEqual(['unify', 'event-store']);
    expect(erased.includesAny(['user_id:gone'])).toBe(true);
  });

  it('recognises the hashes it was loaded with, and forgets the ones removed', async () => {
    const hashes = await erasedWith().erased.hashesOf(['email:old@example.com', 'phone:+12015550123']);
    const { erased } = erasedWith(hashes);
    expect(erased.includesAny(['phone:+12015550123'])).toBe(true);
    erased.remove(hashes.slice(1));
    expect(erased.includesAny(['phone:+12015550123'])).toBe(false);
    expect(erased.includesAny(['email:old@example.com'])).toBe(true);
  });

  it('creates the secret only on first use, and never hashes while nothing is erased', async () => {
    const { erased, created } = erasedWith([], null);
    expect(erased.includesAny(['user_id:x'])).toBe(false);
    expect(created()).toBe(0);
    await erased.hashesOf(['user_id:x']);
    await erased.hashesOf(['user_id:y']);
    expect(created()).toBe(1);
  });

  it('refuses to start with stored hashes but no secret to check them with', () => {
    expect(() => erasedWith(['ab'.repeat(32)], null)).toThrow(/erasure secret .* missing/);
  });
});
