import { keyComparator, IdentityResolver, type ErasedIdentifiers, type IdentityRules } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { Mutex } from '../lib/mutex.js';
import { LogFollower, OutboxRelay, type IngestPacing } from '../log/index.js';
import { JourneyCatalog, JourneyScheduler, JourneyService, JourneyStage, WebhookPerformer } from '../journeys/index.js';
import { EventStoreProjection, SuppressionService, UnifyProjection, type DerivedTraits, type ProfileRules } from '../profiles/index.js';
import { ComputedTraitService, ProfileMirrorStage, SegmentCatalog, SegmentQueries, SegmentService, SegmentStage } from '../segments/index.js';
import type { EventLog, EventStore, OperationalStore, ProfileMirror } from '../store/index.js';

/** The trait conditions read a person's time zone from (IANA names, e.g. "Europe/Paris"). */
const timeZoneTrait = 'timezone';
const timerRoundMs = 250;
/** How often scheduled journeys are looked at; their times are minutes apart at the finest. */
const scheduleRoundMs = 30_000;

export interface PipelineParts {
  readonly log: EventLog;
  readonly state: OperationalStore;
  readonly eventStore: EventStore;
  /** Profiles beside the events, for segment queries; without it, segments are decided in memory only. */
  readonly mirror?: ProfileMirror;
  readonly identityRules: IdentityRules;
  readonly profileRules: ProfileRules;
  readonly catalog: SegmentCatalog;
  readonly erased: ErasedIdentifiers;
  readonly systemSourceId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Ingest load: while tracking calls need the thread, the stages yield to them (see FollowerOptions.ingest). */
  readonly ingest?: IngestPacing;
}

const eventStoreBatchSize = 10_000;

/**
 * The stages after collect, each following the log from its own checkpoint:
 * unify (identity and golden records), the event store, and segments (after
 * unify). Plus the loops around them: segment timers, the outbox relay, and
 * the profile mirror (fed by the changes unify and segments record).
 */
export function buildPipeline(parts: PipelineParts) {
  const { log, state, eventStore, identityRules, profileRules, catalog, erased, clock, logger, ingest } = parts;
  const compareKeys = keyComparator(identityRules);
  const unifyParts = {
    store: state.identity,
    resolver: IdentityResolver.forRules(identityRules, clock, logger),
    identityRules,
    profileRules,
    lock: new Mutex(),
    erased,
    clock,
  };
  const unify = new UnifyProjection(unifyParts);
  const eventProjection = new EventStoreProjection(eventStore, identityRules, erased);
  // Ingest first: during a burst of tracking calls the stages rest between (bigger) batches, then catch up.
  const pacing = ingest && { ingest };
  const unifyFollower = new LogFollower(log, unify, logger, { ...pacing });
  // DuckDB parses the messages on its own threads, but each batch waits on it several times, and each wait
  // lasts until the other stages' batch in progress ends: bigger batches keep it level with unify.
  // It rests while ingest is busy but does not tell what its batches cost, nor whether it keeps up: they mostly
  // wait on DuckDB's own threads (their length says little of what they take from ingest: 4 ms a record at
  // 300/s), and it may lag behind the others by a batch of 10,000 without harm.
  const restOnly = ingest && { ingest: { busy: () => ingest.busy() } };
  const eventFollower = new LogFollower(log, eventProjection, logger, { batchSize: eventStoreBatchSize, ...restOnly });

  const relay = new OutboxRelay(state.segments, log, logger);
  const facts = { profileRules, timeZoneTrait, computed: () => catalog.computed };
  const segmentStage = new SegmentStage({
    identity: state.identity,
    segments: state.segments,
    catalog,
    identityRules,
    profileRules,
    facts,
    clock,
    lock: new Mutex(),
    internalSourceId: parts.systemSourceId,
    compareKeys,
    onOutbox: () => relay.notify(),
  });
  const segmentFollower = new LogFollower(log, segmentStage, logger, { after: unifyFollower, ...pacing });

  const suppressions = new SuppressionService({ store: state.suppressions, identityRules, clock, erased });
  const journeyCatalog = new JourneyCatalog();
  const journeyStage = new JourneyStage({
    store: state.journeys,
    identity: state.identity,
    segments: state.segments,
    segmentCatalog: catalog,
    catalog: journeyCatalog,
    identityRules,
    facts,
    isSuppressed: (keys) => suppressions.isSuppressed(keys),
    announce: async (messages) => {
      await log.append(messages.map((message) => ({ partitionKey: message.messageId, dedupeKey: `${message.sourceId}:${message.messageId}`, message })));
    },
    internalSourceId: parts.systemSourceId,
    compareKeys,
    clock,
    lock: new Mutex(),
    logger,
    onWebhook: () => webhooks.notify(),
  });
  // Behind segments, so the Segment Entered and Exited it triggers on are already in the log.
  const journeyFollower = new LogFollower(log, journeyStage, logger, { after: segmentFollower, ...pacing });
  const webhooks = new WebhookPerformer({ store: state.journeys, stage: journeyStage, clock, logger });
  const followers = [unifyFollower, eventFollower, segmentFollower, journeyFollower];

  const backfill = {
    identity: state.identity,
    events: eventStore,
    profileRules,
    unifyLock: unifyParts.lock,
    unifyPosition: () => unifyFollower.position(0),
    eventStoreReached: async (offset: number) => {
      while (eventFollower.position(0) < offset) await eventFollower.waitBeyond(0, eventFollower.position(0), 1_000);
    },
    clock,
  };
  const mirrorStage =
    parts.mirror &&
    new ProfileMirrorStage({ changes: state.profileChanges, mirror: parts.mirror, identity: state.identity, segments: state.segments, catalog, facts, clock, logger, ...pacing });
  const queries =
    parts.mirror && mirrorStage && new SegmentQueries({ mirror: parts.mirror, mirrorStage, stage: segmentStage, catalog, backfill, clock });
  const segments = new SegmentService({
    store: state.segments,
    identity: state.identity,
    catalog,
    stage: segmentStage,
    backfill,
    clock,
    logger,
    ...(queries && { queries }),
  });
  const traits = new ComputedTraitService({ store: state.computedTraits, segments: state.segments, catalog, backfill, clock, logger });
  const journeyParts = { store: state.journeys, identity: state.identity, segments: state.segments, catalog: journeyCatalog, stage: journeyStage, facts, clock };
  const scheduler = new JourneyScheduler(journeyParts);
  const journeys = new JourneyService({
    ...journeyParts,
    segmentCatalog: catalog,
    backfill,
    isSuppressed: (keys) => suppressions.isSuppressed(keys),
    lock: new Mutex(),
    logger,
  });
  /** Computed traits on the profile view, with lineage naming their definition. */
  const derivedTraits: DerivedTraits = (state, golden, now) => {
    const values = catalog.computed.values(state.aggregates, Object.fromEntries(Object.entries(golden).map(([name, t]) => [name, t.value])), now);
    const at = new Date(now).toISOString();
    return Object.fromEntries(
      catalog.computed.ordered.map((t) => [t.name, { value: values[t.name] ?? null, rule: 'computed', lineage: { sourceId: `computed:${t.id}`, messageId: '', timestamp: at } }]),
    );
  };

  let stopping = false;
  let timers: Promise<void> | undefined;
  let nextSchedule = 0;
  const runTimers = async (): Promise<void> => {
    while (!stopping) {
      try {
        const woken = (await segmentStage.runDueTimers()) + (await journeyStage.runDueTimers());
        if (clock.now() >= nextSchedule) {
          nextSchedule = clock.now() + scheduleRoundMs;
          await scheduler.runDue();
        }
        if (woken > 0) continue;
      } catch (error) {
        logger.error({ err: error }, 'timers failed; retrying');
      }
      await new Promise((resolve) => setTimeout(resolve, timerRoundMs));
    }
  };

  return {
    unifyParts,
    unify,
    eventProjection,
    segments,
    traits,
    journeys,
    suppressions,
    derivedTraits,
    followers,
    mirrorStage,
    /** Profiles changed outside the log (consent through the API, a split): their segments are decided again. */
    reevaluateSegments: (profileIds: readonly string[]) => segmentStage.reevaluate(profileIds),
    /** Log records not yet applied, by stage. */
    async lags(): Promise<Record<string, number>> {
      return Object.fromEntries(await Promise.all(followers.map(async (f) => [f.name, await f.lag()] as const)));
    },
    /** Changed profiles not yet mirrored. */
    mirrorLag(): Promise<number> {
      return mirrorStage?.lag() ?? Promise.resolve(0);
    },
    /** Starts every stage; resolves once each has applied what the log held at start (and the mirror what had changed). */
    async start(): Promise<void> {
      // Definitions first: the unify stage feeds the aggregates segments and traits read from its first batch.
      await traits.start();
      await segments.start();
      await journeys.start();
      relay.start();
      webhooks.start();
      timers = runTimers();
      await Promise.all([unify.refreshTraitIndex(), ...followers.map((f) => f.start()), mirrorStage?.start()]);
    },
    async stop(): Promise<void> {
      stopping = true;
      // The mirror first: a build waiting for it to catch up then gives up at once.
      await Promise.all([timers, relay.stop(), webhooks.stop(), mirrorStage?.stop(), segments.stop(), traits.stop()]);
      await Promise.all(followers.map((f) => f.stop()));
    },
  };
}

export type Pipeline = ReturnType<typeof buildPipeline>;
