/**
 * The cost of real-time evaluation: new events for random people of the
 * loaded population, appended to the log and applied batch by batch (as the
 * followers do, 2,000 records at a time) by the unify stage, then by the
 * segments stage with every live segment and computed trait; each stage
 * timed on its own. Same run baselines: the unify stage on the same events,
 * and the segments stage with no live segment. Then the profile mirror's
 * upkeep for the profiles those events changed.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDbEventStore, DuckDbProfileMirror } from '../../src/adapters/duckdb/index.js';
import { SqliteEventLog, openSqliteOperationalStore } from '../../src/adapters/sqlite/index.js';
import { IdentityResolver, keyComparator } from '../../src/identity/index.js';
import type { Clock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Mutex } from '../../src/lib/mutex.js';
import { UnifyProjection } from '../../src/profiles/index.js';
import { ProfileMirrorStage, SegmentCatalog, SegmentStage } from '../../src/segments/index.js';
import { loadUnifyRules } from '../../src/server/config-file.js';
import type { LogRecord } from '../../src/store/index.js';
import { Random } from '../shared/random.js';
import { liveMessage, type BenchSource } from './population.js';

export interface RealtimeOptions {
  readonly dataDir: string;
  readonly configFile: string;
  readonly seed: number;
  readonly people: number;
  /** Events per measured run (two runs: with the live definitions, and with none). */
  readonly events: number;
  readonly clock: Clock;
}

export interface RealtimeResult {
  readonly segments: number;
  readonly computedTraits: number;
  readonly events: number;
  readonly stageUs: number;
  readonly unifyUs: number;
  readonly emptyStageUs: number;
  readonly outboxMessages: number;
  readonly mirroredProfiles: number;
  readonly mirrorUsPerProfile: number;
}

const batchSize = 2_000;

export async function measureRealtime(o: RealtimeOptions): Promise<RealtimeResult> {
  const state = openSqliteOperationalStore(join(o.dataDir, 'state.db'));
  const events = await DuckDbEventStore.open(join(o.dataDir, 'events.duckdb'));
  const mirror = await DuckDbProfileMirror.open(events);
  const log = new SqliteEventLog({ path: join(o.dataDir, 'log.db'), clock: o.clock, dedupeWindowMs: 7 * 86_400_000 });
  try {
    const catalog = new SegmentCatalog();
    const rules = await loadUnifyRules(o.configFile, catalog);
    if (!rules.ok) throw new Error(JSON.stringify(rules.error));
    const { identity: identityRules, profiles: profileRules } = rules.value;
    catalog.replaceTraits(await state.computedTraits.list());
    catalog.replace(await state.segments.list());
    const compareKeys = keyComparator(identityRules);
    const unify = new UnifyProjection({
      store: state.identity,
      resolver: IdentityResolver.forRules(identityRules, o.clock, silentLogger),
      identityRules,
      profileRules,
      lock: new Mutex(),
      clock: o.clock,
    });
    const stageWith = (stageCatalog: SegmentCatalog) =>
      new SegmentStage({
        identity: state.identity,
        segments: state.segments,
        catalog: stageCatalog,
        identityRules,
        profileRules,
        facts: { profileRules, timeZoneTrait: 'timezone', computed: () => stageCatalog.computed },
        clock: o.clock,
        lock: new Mutex(),
        internalSourceId: 'src_bench_internal',
        compareKeys,
      });
    const sources: BenchSource[] = (await state.sources.list())
      .filter((s) => s.channel === 'web' || s.channel === 'ios' || s.channel === 'pos')
      .sort((a, b) => ['web', 'ios', 'pos'].indexOf(a.channel) - ['web', 'ios', 'pos'].indexOf(b.channel));
    // Salted per run: a --reuse run on the same stores sends new messages, not ones the log would take for duplicates.
    const rng = new Random(o.seed * 97 + 5 + (Date.now() % 1_000_000_007));
    const outboxBefore = (await state.segments.outbox(1_000_000)).length;

    const run = async (stage: SegmentStage): Promise<{ unifyMs: number; stageMs: number }> => {
      const messages = Array.from({ length: o.events }, () => liveMessage(rng, o.seed, rng.int(0, o.people - 1), o.clock.now(), sources));
      const outcomes = await log.append(
        messages.map((message) => ({ partitionKey: message.userId ?? message.anonymousId ?? message.messageId, dedupeKey: `${message.sourceId}:${message.messageId}`, message })),
      );
      const records: LogRecord[] = outcomes.map((outcome, i) => {
        if (outcome.kind !== 'appended') throw new Error('duplicate live message');
        return { partition: 0, offset: outcome.offset, message: messages[i]! };
      });
      let unifyMs = 0;
      let stageMs = 0;
      for (let i = 0; i < records.length; i += batchSize) {
        const batch = records.slice(i, i + batchSize);
        const t0 = performance.now();
        await unify.apply(0, batch);
        const t1 = performance.now();
        await stage.apply(0, batch);
        stageMs += performance.now() - t1;
        unifyMs += t1 - t0;
      }
      return { unifyMs, stageMs };
    };

    // Warm-up (caches, JIT), not counted.
    await run(stageWith(catalog));
    const live = await run(stageWith(catalog));
    const outboxMessages = (await state.segments.outbox(1_000_000)).length - outboxBefore;
    const none = new SegmentCatalog();
    none.replaceTraits(await state.computedTraits.list());
    const empty = await run(stageWith(none));

    // What the mirror does for the profiles those events changed.
    const mirrorStage = new ProfileMirrorStage({
      changes: state.profileChanges,
      mirror,
      identity: state.identity,
      segments: state.segments,
      catalog,
      facts: { profileRules, timeZoneTrait: 'timezone', computed: () => catalog.computed },
      clock: o.clock,
      logger: silentLogger,
    });
    const t = performance.now();
    const mirrored = await mirrorStage.drain();
    const mirrorMs = performance.now() - t;

    return {
      segments: catalog.live.ordered.length,
      computedTraits: catalog.computed.ordered.length,
      events: o.events,
      stageUs: (live.stageMs * 1000) / o.events,
      unifyUs: (live.unifyMs * 1000) / o.events,
      emptyStageUs: (empty.stageMs * 1000) / o.events,
      outboxMessages,
      mirroredProfiles: mirrored,
      mirrorUsPerProfile: mirrored === 0 ? 0 : (mirrorMs * 1000) / mirrored,
    };
  } finally {
    await log.close();
    await mirror.close();
    await events.close();
    await state.close();
  }
}
