import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteOperationalStore } from '../adapters/sqlite/index.js';
import { ErasedIdentifiers, resolveIdentityRules } from '../identity/index.js';
import { ManualClock } from '../lib/clock.js';
import type { OperationalStore } from '../store/index.js';
import { SuppressionService } from './suppressions.js';

const opened: OperationalStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

function setUp() {
  const store = openSqliteOperationalStore(':memory:');
  opened.push(store);
  const erased = new ErasedIdentifiers({ hashes: [], secret: Buffer.alloc(32, 3), obtainSecret: async () => Buffer.alloc(32, 3) });
  const clock = new ManualClock();
  const service = new SuppressionService({ store: store.suppressions, identityRules: resolveIdentityRules(undefined), clock, erased });
  return { service, erased };
}

describe('SuppressionService.isSuppressed', () => {
  it('is true when any of the identifiers is listed, as normalized on the way in', async () => {
    const { service } = setUp();
    await service.add({ identifier: 'email:Jane@Example.com', reason: 'bounced' });
    expect(await service.isSuppressed(['user_id:u1', 'email:jane@example.com'])).toBe(true);
    expect(await service.isSuppressed(['user_id:u1'])).toBe(false);
    expect(await service.isSuppressed([])).toBe(false);
    await service.remove('email:jane@example.com');
    expect(await service.isSuppressed(['email:jane@example.com'])).toBe(false);
  });

  it('is true for an erased person, whose identifiers are no longer listed in clear', async () => {
    const { service, erased } = setUp();
    erased.add(await erased.hashesOf(['phone:+12015550123']));
    expect(await service.isSuppressed(['phone:+12015550123'])).toBe(true);
  });
});

describe('SuppressionService.add', () => {
  it('keeps the later entry when a request lists an identifier twice', async () => {
    const { service } = setUp();
    const added = await service.add({
      suppressions: [
        { identifier: 'user_id:u1', reason: 'bounced' },
        { identifier: 'user_id: u1 ', reason: 'legal', note: 'court order' },
      ],
    });
    expect(added).toEqual([expect.objectContaining({ identifier: 'user_id:u1', reason: 'legal', note: 'court order' })]);
  });
});
