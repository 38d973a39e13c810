import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDbEventStore, DuckDbProfileMirror } from '../adapters/duckdb/index.js';
import { SqliteEventLog, openSqliteOperationalStore } from '../adapters/sqlite/index.js';
import { Collector, ImportService, SourceService, TrackingPlanService } from '../collect/index.js';
import type { Clock } from '../lib/clock.js';
import { IngestLoad } from '../lib/ingest-load.js';
import type { Logger } from '../lib/logger.js';
import { compareByPriority, ErasedIdentifiers, parseIdentifierKey } from '../identity/index.js';
import { invalid } from '../lib/errors.js';
import { ErasureService, ProfileMatchingService, ProfileService } from '../profiles/index.js';
import { SegmentCatalog } from '../segments/index.js';
import { channelAffinityTraits } from '../channels/affinity/channel-affinity.js';
import { loadUnifyRules } from './config-file.js';
import { resolveAdminToken, type AdminToken } from './admin-token.js';
import { buildApp } from './app.js';
import { buildDelivery } from './delivery.js';
import type { Config } from './config.js';
import type { App } from './http.js';
import { erasureSecretFile, readOrCreateSecret, readSecret } from './installation-secret.js';
import { Metrics } from './metrics.js';
import { buildPipeline } from './pipeline.js';

const day = 24 * 3600 * 1000;
const maintenanceEveryMs = 3600 * 1000;

export interface RunningTessera {
  readonly app: App;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly adminToken: AdminToken;
  /** Resolves once the log has been replayed into every projection. */
  readonly ready: Promise<void>;
  /** Log records not yet applied, summed over the projections, plus changed profiles not yet mirrored. */
  lag(): Promise<number>;
  /** Stops accepting requests, lets in-flight ones finish, flushes and closes storage. */
  close(): Promise<void>;
}

/**
 * The composition root: opens the embedded stores under the data dir, wires
 * the stages to them, starts the HTTP server and the log followers. The only
 * place that knows which adapters are in use.
 */
export async function startTessera(config: Config, logger: Logger, clock: Clock): Promise<RunningTessera> {
  await mkdir(config.dataDir, { recursive: true });
  const adminToken = await resolveAdminToken(config.adminToken, config.dataDir);

  // The channels' built-in traits (channel_affinity, best_channel...) are computed like any other.
  const catalog = new SegmentCatalog([], [], channelAffinityTraits());
  const rules = await loadUnifyRules(config.configFile, catalog);
  if (!rules.ok) throw invalid(rules.error);

  const log = new SqliteEventLog({ path: join(config.dataDir, 'log.db'), clock, dedupeWindowMs: config.dedupeWindowDays * day });
  const state = openSqliteOperationalStore(join(config.dataDir, 'state.db'), { cacheMb: config.stateCacheMb });
  const eventStore = await DuckDbEventStore.open(join(config.dataDir, 'events.duckdb'));
  const mirror = await DuckDbProfileMirror.open(eventStore);

  // Early, for the erasure drop counter; its gauges read the collector and pipeline below only when scraped.
  const metrics = new Metrics({
    inflightMessages: () => collector.inflight,
    projectionLags: () => pipeline.lags(),
    mirrorPendingProfiles: () => pipeline.mirrorLag(),
  });
  const secretFile = erasureSecretFile(config.dataDir);
  const erased = new ErasedIdentifiers({
    hashes: await state.identity.erasedIdentifierHashes(),
    secret: await readSecret(secretFile),
    obtainSecret: () => readOrCreateSecret(secretFile),
    onDropped: (stage) => metrics.erasedMessagesDropped.inc({ stage }),
  });

  const sources = new SourceService(state.sources, clock);
  const systemSource = await sources.ensureSystemSource();
  const plans = new TrackingPlanService(state.trackingPlans, state.sources, clock);
  // Tracking calls come first: the collector notes them, the stages yield to them.
  const ingestLoad = new IngestLoad();
  const collector = new Collector({ log, rejections: state.rejections, plans, maxInflightMessages: config.maxInflightMessages, load: ingestLoad });
  const pipeline = buildPipeline({
    ingest: ingestLoad,
    log,
    state,
    eventStore,
    mirror,
    identityRules: rules.value.identity,
    profileRules: rules.value.profiles,
    catalog,
    erased,
    systemSourceId: systemSource.id,
    clock,
    logger,
  });
  const { unifyParts } = pipeline;
  const profiles = new ProfileService({
    ...unifyParts,
    events: eventStore,
    clock,
    suppressions: state.suppressions,
    derivedTraits: pipeline.derivedTraits,
    onChanged: (ids) => pipeline.reevaluateSegments(ids),
  });
  let ready = false;
  const delivery = await buildDelivery({
    config,
    state,
    log,
    profiles,
    suppressions: pipeline.suppressions,
    profileRules: rules.value.profiles,
    catalog,
    systemSourceId: systemSource.id,
    clock,
    logger,
  });

  const app = await buildApp(
    {
      clock,
      sources,
      plans,
      collector,
      imports: new ImportService({
        store: state.imports,
        sources: state.sources,
        collector,
        clock,
        identifierPaths: (type) => rules.value.identity.sources.get(type),
        unifiedUpTo: (partition) => pipeline.unify.position(partition),
        logger,
      }),
      events: eventStore,
      rejections: state.rejections,
      profiles,
      matches: new ProfileMatchingService({
        identity: state.identity,
        matches: state.matches,
        log,
        profileRules: rules.value.profiles,
        compareKeys: (a, b) =>
          compareByPriority(parseIdentifierKey(a) ?? { type: a, value: '' }, parseIdentifierKey(b) ?? { type: b, value: '' }, rules.value.identity),
        systemSourceId: systemSource.id,
        clock,
      }),
      suppressions: pipeline.suppressions,
      erasure: new ErasureService({
        ...unifyParts,
        events: eventStore,
        log,
        suppressions: state.suppressions,
        clock,
        unify: pipeline.unify,
        forgetElsewhere: (profileIds, identifierKeys) => delivery.endpoints.forget(profileIds, identifierKeys),
        eventProjection: pipeline.eventProjection,
      }),
      segments: pipeline.segments,
      traits: pipeline.traits,
      journeys: pipeline.journeys,
      metrics,
      delivery,
      isReady: () => ready,
      adminToken: adminToken.token,
    },
    logger,
  );

  const caughtUp = pipeline.start().then(() => {
    ready = true;
    logger.info('log replayed; ready');
  });
  const maintenance = setInterval(() => {
    state.rejections
      .prune(clock.now() - config.rejectionRetentionDays * day)
      .catch((error: unknown) => logger.error({ err: error }, 'pruning old rejections failed'));
  }, maintenanceEveryMs);
  maintenance.unref();

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  logger.info({ port, dataDir: config.dataDir }, 'tessera listening');
  await delivery.start(`http://${host}:${port}`);

  let closing: Promise<void> | undefined;
  return {
    app,
    url: `http://${host}:${port}`,
    adminToken,
    ready: caughtUp,
    lag: async () => Object.values(await pipeline.lags()).reduce((sum, n) => sum + n, 0) + (await pipeline.mirrorLag()),
    close() {
      closing ??= (async () => {
        clearInterval(maintenance);
        await app.close();
        await delivery.stop();
        // The stages read the log, so they stop first; the other way round they read a closed log.
        await pipeline.stop();
        await log.close();
        // The mirror's connections go before the event store closes the database they share.
        await mirror.close();
        await Promise.all([eventStore.close(), state.close()]);
        logger.info('tessera stopped');
      })();
      return closing;
    },
  };
}
