import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { condition, now, profile, type ProfileCase } from '../../test/helpers/conditions.js';
import type { Condition } from '../contracts/index.js';
import { evaluate } from './evaluate.js';
import { SegmentSet } from './segment-set.js';
import { compileMembershipChanges, compileToSql } from './sql.js';

let instance: DuckDBInstance;
let db: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  await db.run("SET TimeZone = 'UTC'");
});
afterAll(() => {
  db.closeSync();
  instance.closeSync();
});

/** Loads the profiles in two statements: rows go in as one JSON array each. */
async function load(profiles: readonly ProfileCase[]): Promise<void> {
  const facts = profiles.map(({ facts: p }, i) => ({
    profile_id: `p${i}`,
    traits: JSON.stringify(p.traits),
    consent: JSON.stringify(p.consent),
    identifier_types: [...p.identifierTypes],
    channels: [...p.channels],
    segments: [...p.segments],
    time_zone: p.timeZone,
  }));
  const events = profiles.flatMap((p, i) => p.events.map((e) => ({ profile_id: `p${i}`, event: e.event, at: e.timestamp, properties: JSON.stringify(e.properties) })));
  await db.run(
    `CREATE OR REPLACE TABLE profile_facts AS
     SELECT r.profile_id, CAST(r.traits AS JSON) AS traits, CAST(r.consent AS JSON) AS consent, r.identifier_types, r.channels, r.segments, r.time_zone
     FROM (SELECT unnest(from_json($rows, '[{"profile_id":"VARCHAR","traits":"VARCHAR","consent":"VARCHAR","identifier_types":["VARCHAR"],"channels":["VARCHAR"],"segments":["VARCHAR"],"time_zone":"VARCHAR"}]'), recursive := true) ) r`,
    { rows: JSON.stringify(facts) },
  );
  await db.run(
    `CREATE OR REPLACE TABLE profile_events AS
     SELECT r.profile_id, r.event, make_timestamp(r.at * 1000) AS timestamp, CAST(r.properties AS JSON) AS properties
     FROM (SELECT unnest(from_json($rows, '[{"profile_id":"VARCHAR","event":"VARCHAR","at":"BIGINT","properties":"VARCHAR"}]'), recursive := true)) r`,
    { rows: JSON.stringify(events.length > 0 ? events : []) },
  );
}

async function sqlMembers(c: Condition): Promise<string[]> {
  const { sql, params } = compileToSql(c, now);
  const rows = (await db.runAndReadAll(sql, params)).getRowObjects();
  return rows.map((r) => String(r.profile_id)).sort();
}

const memoryMembers = (c: Condition, profiles: readonly ProfileCase[]): string[] =>
  profiles
    .map((p, i) => (evaluate(c, p.facts, now) ? `p${i}` : undefined))
    .filter((id): id is string => id !== undefined)
    .sort();

describe('the in-memory and SQL compilers', () => {
  it('select the same members for random conditions over random profiles and events', { timeout: 600_000 }, async () => {
    let checks = 0;
    let split = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(profile, { minLength: 2, maxLength: 12 }), fc.array(condition, { minLength: 1, maxLength: 8 }), async (profiles, conditions) => {
        await load(profiles);
        for (const c of conditions) {
          const members = memoryMembers(c, profiles);
          expect(await sqlMembers(c), JSON.stringify(c)).toEqual(members);
          checks++;
          if (members.length > 0 && members.length < profiles.length) split++;
        }
      }),
      { numRuns: Number(process.env.TESSERA_PROPERTY_RUNS ?? 120) },
    );
    // Guard against a vacuous test: many conditions must tell profiles apart.
    expect(split / checks).toBeGreaterThan(0.25);
  });
});

describe('the first-memberships query', () => {
  it('finds the members that differ from the facts, and a timer no later than the in-memory one', { timeout: 600_000 }, async () => {
    let timed = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(profile, { minLength: 2, maxLength: 12 }), fc.array(condition, { minLength: 1, maxLength: 6 }), async (profiles, conditions) => {
        await load(profiles);
        for (const c of conditions) {
          // Named after a segment the profiles may already be in, so that exits show too.
          const set = new SegmentSet([{ id: 'seg', name: 'candidate', condition: c }]);
          const { sql, params } = compileMembershipChanges(c, now, 'vip');
          const rows = new Map(
            (await db.runAndReadAll(sql, params)).getRowObjectsJS().map((r) => [r.profile_id as string, { member: r.member === true, was: r.was === true, due: r.due === null ? null : Number(r.due) }]),
          );
          profiles.forEach((p, i) => {
            const id = `p${i}`;
            const member = evaluate(c, p.facts, now);
            const was = p.facts.segments.has('vip');
            const next = set.nextChange(p.facts, now);
            const row = rows.get(id);
            const label = `${JSON.stringify(c)} on ${id}`;
            if (member !== was || next !== null) expect(row, label).toBeDefined();
            if (row === undefined) return;
            expect(row.member, label).toBe(member);
            expect(row.was, label).toBe(was);
            if (next !== null) {
              timed++;
              expect(row.due, label).not.toBeNull();
              expect(row.due!, label).toBeLessThanOrEqual(next);
            }
            if (row.due !== null) expect(row.due, label).toBeGreaterThan(now);
          });
        }
      }),
      { numRuns: Number(process.env.TESSERA_PROPERTY_RUNS ?? 60) },
    );
    expect(timed).toBeGreaterThan(20);
  });
});
