import type {
  ContactPolicies,
  InstanceView,
  JourneyCreate,
  JourneyPatch,
  JourneyView,
  SimulateRequest,
  SimulateResponse,
} from '../contracts/index.js';
import { IdentityWorkspace } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { TesseraError, invalid, notFound } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { Mutex } from '../lib/mutex.js';
import { aggregatesOfCondition, backfillAggregates, factsOf, type BackfillDependencies, type FactsContext, type SegmentCatalog } from '../segments/index.js';
import type { IdentityStore, JourneyRecord, JourneyStore, SegmentStore } from '../store/index.js';
import { JourneyCatalog } from './catalog.js';
import { compileJourney, type CompiledJourney } from './compile.js';
import type { JourneyStage } from './journey-stage.js';
import { loadSendContext } from './send-context.js';
import { factsOfDescription, simulate } from './simulate.js';

export interface JourneyServiceOptions {
  readonly store: JourneyStore;
  readonly identity: IdentityStore;
  readonly segments: SegmentStore;
  readonly segmentCatalog: Pick<SegmentCatalog, 'segment' | 'replaceConditions' | 'definitions'>;
  /** Fills the event aggregates new conditions read from history before a version goes live. */
  readonly backfill: BackfillDependencies;
  readonly catalog: JourneyCatalog;
  readonly stage: JourneyStage;
  readonly facts: FactsContext;
  readonly isSuppressed: (identifierKeys: readonly string[]) => Promise<boolean>;
  /** The journeys stage's lock: lifecycle changes that move instances take it. */
  readonly lock: Mutex;
  readonly clock: Clock;
  readonly logger: Logger;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const rate = (converted: number, entered: number): number | null => (entered === 0 ? null : converted / entered);

/**
 * Journeys as people manage them: drafts, publishing, pausing, stopping,
 * versions (people inside finish on theirs unless a migration map moves
 * them), statistics, each person's journeys, entering by API, and simulation.
 */
export class JourneyService {
  readonly #o: JourneyServiceOptions;

  constructor(options: JourneyServiceOptions) {
    this.#o = options;
  }

  /** Loads every journey version into the catalog the stage runs; their aggregates have been fed all along. */
  async start(): Promise<void> {
    await this.#reload(false);
  }

  async create(input: JourneyCreate): Promise<JourneyView> {
    if (await this.#o.store.journeyByName(input.name)) throw new TesseraError('TESSERA_ERR_CONFLICT', `a journey named "${input.name}" already exists`);
    const id = newId('jny');
    this.#compile(id, input.name, 1, input.definition);
    const now = this.#o.clock.now();
    const record: JourneyRecord = { id, name: input.name, status: 'draft', liveVersion: null, latestVersion: 1, scheduledAt: null, createdAt: now, updatedAt: now };
    await this.#o.store.createJourney(record, { journeyId: id, version: 1, definition: input.definition, publishedAt: null });
    await this.#reload();
    return this.get(id);
  }

  async get(id: string): Promise<JourneyView> {
    const journey = await this.#require(id);
    const version = await this.#o.store.version(id, journey.latestVersion);
    if (version === undefined) throw new TesseraError('TESSERA_ERR_INTERNAL', `journey ${id} has lost version ${journey.latestVersion}`);
    return {
      id,
      name: journey.name,
      status: journey.status,
      liveVersion: journey.liveVersion,
      latestVersion: journey.latestVersion,
      definition: version.definition,
      createdAt: new Date(journey.createdAt).toISOString(),
      updatedAt: new Date(journey.updatedAt).toISOString(),
    };
  }

  async list(): Promise<JourneyView[]> {
    return Promise.all((await this.#o.store.journeys()).map((j) => this.get(j.id)));
  }

  /**
   * Renames, or changes the definition: a draft is edited in place; a journey
   * people can be in gets a new version, live at once for new entries, while
   * those inside stay on theirs unless `migrate` maps their step to a step of
   * the new version.
   */
  async update(id: string, patch: JourneyPatch): Promise<JourneyView> {
    const journey = await this.#require(id);
    const now = this.#o.clock.now();
    const name = patch.name ?? journey.name;
    if (name !== journey.name && (await this.#o.store.journeyByName(name))) throw new TesseraError('TESSERA_ERR_CONFLICT', `a journey named "${name}" already exists`);
    if (patch.definition === undefined) {
      await this.#o.store.updateJourney({ ...journey, name, updatedAt: now });
      await this.#reload();
      return this.get(id);
    }
    if (journey.status === 'draft') {
      this.#compile(id, name, journey.latestVersion, patch.definition);
      await this.#o.store.putVersion({ journeyId: id, version: journey.latestVersion, definition: patch.definition, publishedAt: null });
      await this.#o.store.updateJourney({ ...journey, name, updatedAt: now });
      await this.#reload();
      return this.get(id);
    }
    const version = journey.latestVersion + 1;
    const compiled = this.#compile(id, name, version, patch.definition);
    const unknown = Object.entries(patch.migrate ?? {}).filter(([, to]) => !compiled.steps.has(to));
    if (unknown.length > 0) throw invalid(unknown.map(([from, to]) => ({ field: `migrate.${from}`, rule: 'step', message: `version ${version} has no step "${to}"` })));
    await this.#o.store.putVersion({ journeyId: id, version, definition: patch.definition, publishedAt: now });
    await this.#o.store.updateJourney({ ...journey, name, latestVersion: version, liveVersion: journey.status === 'stopped' ? journey.liveVersion : version, updatedAt: now });
    await this.#reload();
    if (patch.migrate !== undefined) await this.#migrate(journey, version, patch.migrate);
    return this.get(id);
  }

  async publish(id: string): Promise<JourneyView> {
    const journey = await this.#require(id);
    if (journey.status !== 'draft') throw new TesseraError('TESSERA_ERR_CONFLICT', `journey "${journey.name}" is ${journey.status}; only a draft is published`);
    const version = await this.#o.store.version(id, journey.latestVersion);
    if (version === undefined) throw notFound('version of journey', id);
    this.#compile(id, journey.name, version.version, version.definition);
    const now = this.#o.clock.now();
    await this.#o.store.putVersion({ ...version, publishedAt: now });
    await this.#o.store.updateJourney({ ...journey, status: 'live', liveVersion: version.version, updatedAt: now });
    await this.#reload();
    return this.get(id);
  }

  /** Paused: nobody enters, and people inside hold where they are until it resumes. */
  async pause(id: string): Promise<JourneyView> {
    return this.#transition(id, ['live'], 'paused');
  }

  async resume(id: string): Promise<JourneyView> {
    return this.#transition(id, ['paused'], 'live');
  }

  /** Stopped: nobody enters, and everybody inside leaves. */
  async stop(id: string): Promise<JourneyView> {
    const view = await this.#transition(id, ['live', 'paused', 'draft'], 'stopped');
    await this.#o.lock.run(async () => {
      const journey = await this.#require(id);
      for (let version = 1; version <= journey.latestVersion; version++) {
        for (let after = ''; ; ) {
          const page = await this.#o.store.activeInstances(id, version, after, 500);
          if (page.length === 0) break;
          const now = this.#o.clock.now();
          await this.#o.store.commit({
            instances: page.map((i) => ({ ...i, status: 'exited', step: null, wakeAt: null, waitingFor: null, endedAt: now, exitReason: 'journey stopped' })),
            history: page.map((i) => ({ instanceId: i.id, at: now, step: i.step, kind: 'exited', detail: 'journey stopped' })),
            sends: [],
            effects: [],
          });
          after = page.at(-1)?.id ?? after;
        }
      }
    });
    return view;
  }

  async enter(id: string, profileId: string): Promise<InstanceView> {
    await this.#require(id);
    if ((await new IdentityWorkspace(this.#o.identity).profile(profileId)) === undefined) throw notFound('profile', profileId);
    const outcome = await this.#o.stage.enterByApi(id, profileId);
    if ('refused' in outcome) throw new TesseraError('TESSERA_ERR_CONFLICT', `cannot enter: ${outcome.refused}`);
    return this.#instanceView(outcome.instance.id);
  }

  async stats(id: string) {
    await this.#require(id);
    const stats = await this.#o.store.stats(id);
    return {
      ...stats,
      conversionRate: rate(stats.converted, stats.entered),
      steps: stats.steps.map((s) => ({ ...s, conversionRate: rate(s.converted, s.arrived) })),
      variants: stats.variants.map((v) => ({ ...v, conversionRate: rate(v.converted, v.entered) })),
    };
  }

  /** A person's journeys: each instance with its step, history and why each turn was taken. */
  async ofProfile(profileId: string): Promise<InstanceView[]> {
    const ws = new IdentityWorkspace(this.#o.identity);
    if ((await ws.profile(profileId)) === undefined) throw notFound('profile', profileId);
    const live = await ws.liveProfile(profileId);
    const instances = await this.#o.store.instancesOf([live.id, ...(await ws.mergedIntoIds(live.id))]);
    return Promise.all(instances.map((i) => this.#instanceView(i.id)));
  }

  async simulate(id: string, request: SimulateRequest): Promise<SimulateResponse> {
    const journey = await this.#require(id);
    const version = await this.#o.store.version(id, journey.latestVersion);
    if (version === undefined) throw notFound('version of journey', id);
    const compiled = this.#compile(id, journey.name, version.version, version.definition);
    const policies = await this.#o.store.policies();
    const now = this.#o.clock.now();
    if (request.profileId !== undefined) {
      const ws = new IdentityWorkspace(this.#o.identity);
      if ((await ws.profile(request.profileId)) === undefined) throw notFound('profile', request.profileId);
      const profile = await ws.liveProfile(request.profileId);
      const memberships = (await this.#o.segments.membershipsOf([profile.id])).get(profile.id) ?? [];
      const names = new Set(memberships.map((m) => this.#o.segmentCatalog.segment(m.segmentId)?.name).filter((n): n is string => n !== undefined));
      const facts = factsOf(profile, names, this.#o.facts, now);
      const context = await loadSendContext(profile.id, await ws.identifiersOf(profile.id), facts, policies, now, {
        store: this.#o.store,
        isSuppressed: this.#o.isSuppressed,
      });
      return simulate(compiled, profile.id, facts, request, policies, (at, holdout) => ({ ...context(holdout), now: at }), now);
    }
    const facts = factsOfDescription(request.profile ?? {});
    const sendContext = (at: number, holdout: boolean) => ({
      now: at,
      timeZone: facts.timeZone,
      consent: facts.consent,
      reachable: (channel: string) => channel === 'in_app' || channel === 'webhook' || facts.identifierTypes.has(channel === 'sms' ? 'phone' : channel === 'push' ? 'push_subscription' : channel),
      suppressed: () => false,
      recentSends: [],
      inControlGroup: false,
      holdout,
    });
    return simulate(compiled, 'simulated', facts, request, policies, sendContext, now);
  }

  async sends(profileId: string | undefined, limit: number) {
    return (await this.#o.store.listSends({ profileId, limit })).map((s) => ({ ...s, at: new Date(s.at).toISOString() }));
  }

  policies(): Promise<ContactPolicies> {
    return this.#o.store.policies();
  }

  async setPolicies(policies: ContactPolicies): Promise<ContactPolicies> {
    await this.#o.store.putPolicies(policies);
    return policies;
  }

  async #transition(id: string, from: readonly JourneyRecord['status'][], to: JourneyRecord['status']): Promise<JourneyView> {
    const journey = await this.#require(id);
    if (!from.includes(journey.status)) throw new TesseraError('TESSERA_ERR_CONFLICT', `journey "${journey.name}" is ${journey.status}; cannot make it ${to}`);
    await this.#o.store.updateJourney({ ...journey, status: to, updatedAt: this.#o.clock.now() });
    await this.#reload();
    return this.get(id);
  }

  async #migrate(journey: JourneyRecord, version: number, map: Readonly<Record<string, string>>): Promise<void> {
    for (let old = 1; old < version; old++) {
      for (let after = ''; ; ) {
        const page = await this.#o.store.activeInstances(journey.id, old, after, 500);
        if (page.length === 0) break;
        await this.#o.stage.migrate(page, version, map);
        after = page.at(-1)?.id ?? after;
      }
    }
  }

  #compile(id: string, name: string, version: number, definition: JourneyCreate['definition']): CompiledJourney {
    const compiled = compileJourney(id, name, version, definition);
    if (!compiled.ok) throw invalid(compiled.error.map((p) => ({ ...p, field: `definition.${p.field}` })));
    return compiled.value;
  }

  /**
   * Loads every version into the catalog the stage runs. The event aggregates
   * its conditions read that nobody fed yet are filled from history first, at
   * a cut in the log, so a branch sees a person's whole past.
   */
  async #reload(backfill = true): Promise<void> {
    const journeys = await this.#o.store.journeys();
    const versions = await this.#o.store.versions();
    const next = new JourneyCatalog();
    next.replace(journeys, versions);
    const active = new Set(this.#o.segmentCatalog.definitions().map((d) => d.id));
    const fresh = backfill ? next.conditions().flatMap(aggregatesOfCondition).filter((d) => !active.has(d.id)) : [];
    await backfillAggregates([...new Map(fresh.map((d) => [d.id, d])).values()], () => this.#o.segmentCatalog.replaceConditions(next.conditions()), this.#o.backfill);
    const problems = this.#o.catalog.replace(journeys, versions);
    for (const problem of problems) this.#o.logger.error({ problem }, 'a journey version no longer compiles; its people hold where they are');
  }

  async #require(id: string): Promise<JourneyRecord> {
    const journey = await this.#o.store.journey(id);
    if (journey === undefined) throw notFound('journey', id);
    return journey;
  }

  async #instanceView(instanceId: string): Promise<InstanceView> {
    const instance = await this.#o.store.instance(instanceId);
    if (instance === undefined) throw notFound('journey instance', instanceId);
    const journey = await this.#o.store.journey(instance.journeyId);
    const history = await this.#o.store.historyOf(instanceId);
    return {
      id: instance.id,
      journeyId: instance.journeyId,
      journey: journey?.name ?? instance.journeyId,
      version: instance.version,
      status: instance.status,
      step: instance.step,
      variant: instance.variant,
      holdout: instance.holdout,
      converted: instance.converted,
      wakeAt: iso(instance.wakeAt),
      enteredAt: new Date(instance.enteredAt).toISOString(),
      endedAt: iso(instance.endedAt),
      exitReason: instance.exitReason,
      history: history.map((h) => ({ at: new Date(h.at).toISOString(), step: h.step, kind: h.kind, detail: h.detail })),
    };
  }
}
