import { afterEach, describe, expect, it } from 'vitest';
import type { MatchPairRecord, OperationalStore } from '../../store/index.js';
import { openSqliteOperationalStore } from './operational-store.js';

let store: OperationalStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const pair = (id: string, probability: number, status: MatchPairRecord['status'] = 'review', at = 1000): MatchPairRecord => ({
  id,
  runId: 'mrun_1',
  leftKey: `crm_id:${id}`,
  rightKey: `pos_id:${id}`,
  leftProfileId: `prof_${id}_a`,
  rightProfileId: `prof_${id}_b`,
  probability,
  weight: Math.log2(probability / (1 - probability)),
  status,
  explanation: { prior: -10, weight: 1, probability, factors: [] },
  decidedBy: null,
  decidedAt: null,
  createdAt: at,
  updatedAt: at,
});

describe('SqliteMatchStore', () => {
  it('pages the review queue most probable first, then by id, skipping decided pairs', async () => {
    store = openSqliteOperationalStore(':memory:');
    const pairs = [pair('b', 0.8), pair('a', 0.8), pair('c', 0.6), pair('d', 0.9, 'merged'), pair('e', 0.3)];
    await store.matches.saveRun({ id: 'mrun_1', config: { fields: [] }, summary: { merged: 1 }, createdAt: 1000 }, pairs);
    const first = await store.matches.reviewQueue(2);
    expect(first.map((p) => p.id)).toEqual(['a', 'b']);
    const last = first.at(-1)!;
    const second = await store.matches.reviewQueue(10, { probability: last.probability, id: last.id });
    expect(second.map((p) => p.id)).toEqual(['c', 'e']);
    expect(await store.matches.run('mrun_1')).toEqual({ id: 'mrun_1', config: { fields: [] }, summary: { merged: 1 }, createdAt: 1000 });
  });

  it('decides a pair only from the status it is in', async () => {
    store = openSqliteOperationalStore(':memory:');
    await store.matches.saveRun({ id: 'mrun_1', config: {}, summary: {}, createdAt: 1 }, [pair('a', 0.7)]);
    expect(await store.matches.decide('a', 'review', 'rejected', 'admin-api', 2000)).toBe(true);
    expect(await store.matches.decide('a', 'review', 'accepted', 'admin-api', 3000)).toBe(false);
    const stored = (await store.matches.pairs(['a', 'missing'])).get('a');
    expect(stored).toMatchObject({ status: 'rejected', decidedBy: 'admin-api', decidedAt: 2000, updatedAt: 2000 });
    expect((await store.matches.reviewQueue(10)).length).toBe(0);
  });

  it('keeps when a pair was first found when a later run scores it again', async () => {
    store = openSqliteOperationalStore(':memory:');
    await store.matches.saveRun({ id: 'mrun_1', config: {}, summary: {}, createdAt: 1 }, [pair('a', 0.6, 'review', 1000)]);
    await store.matches.saveRun({ id: 'mrun_2', config: {}, summary: {}, createdAt: 2 }, [{ ...pair('a', 0.7, 'review', 5000), runId: 'mrun_2' }]);
    expect((await store.matches.pairs(['a'])).get('a')).toMatchObject({ runId: 'mrun_2', probability: 0.7, createdAt: 1000, updatedAt: 5000 });
  });

  it('looks up more pairs than one statement takes', async () => {
    store = openSqliteOperationalStore(':memory:');
    const many = Array.from({ length: 6000 }, (_, i) => pair(`p${i}`, 0.5));
    await store.matches.saveRun({ id: 'mrun_1', config: {}, summary: {}, createdAt: 1 }, many);
    expect((await store.matches.pairs(many.map((p) => p.id))).size).toBe(6000);
  });
});
