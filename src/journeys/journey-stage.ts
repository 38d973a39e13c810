import { internalContextOf, type CollectedMessage, type ContactPolicies } from '../contracts/index.js';
import { extractIdentifiers, fragmentKeyOf, IdentityWorkspace, type IdentityRules } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { Mutex } from '../lib/mutex.js';
import type { Projection } from '../log/index.js';
import { evaluate, factsOf, type FactsContext, type ProfileFacts, type SegmentCatalog } from '../segments/index.js';
import type { IdentityStore, InstanceRecord, JourneyChanges, JourneyStore, LogRecord, Membership, PendingWebhook, SegmentStore, WebhookOutcome } from '../store/index.js';
import type { CompiledJourney } from './compile.js';
import { advance, matches, type EventTrigger, type Trigger } from './engine.js';
import type { JourneyCatalog } from './catalog.js';
import { startingInstance, type Effect, type HistoryEntry, type Instance } from './instance.js';
import { decideSend, type SendContext } from './policies.js';
import { draw, loadSendContext } from './send-context.js';
import { describeOutcome } from './webhook-route.js';
import { webhookRequest } from './webhook-template.js';

export interface JourneyStageOptions {
  readonly store: JourneyStore;
  readonly identity: IdentityStore;
  readonly segments: SegmentStore;
  /** Segment names by id, for the memberships conditions read. */
  readonly segmentCatalog: Pick<SegmentCatalog, 'segment'>;
  readonly catalog: JourneyCatalog;
  readonly identityRules: IdentityRules;
  readonly facts: FactsContext;
  readonly isSuppressed: (identifierKeys: readonly string[]) => Promise<boolean>;
  /** Writes a message about a profile to the log (profile updates), in order with the stage's commits. */
  readonly announce: (messages: readonly CollectedMessage[]) => Promise<void>;
  readonly internalSourceId: string;
  readonly compareKeys: (a: string, b: string) => number;
  readonly clock: Clock;
  readonly lock: Mutex;
  readonly logger: Logger;
  /** Told after a commit that queued webhook calls, so their performer need not wait for its next round. */
  readonly onWebhook?: () => void;
}

const spanMs = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

/** One person's pass: their instances and what the pass changes. */
interface Pass {
  readonly profileId: string;
  instances: Instance[];
  readonly changes: { instances: Map<string, Instance>; history: JourneyChanges['history'][number][]; sends: JourneyChanges['sends'][number][]; effects: JourneyChanges['effects'][number][] };
  facts: ProfileFacts | undefined;
  sendContext: ((holdout: boolean) => SendContext) | undefined;
  readonly recentSends: { channel: SendContext['recentSends'][number]['channel']; category: SendContext['recentSends'][number]['category']; at: number }[];
  identifiers: string[] | undefined;
  /** Segment memberships loaded for a whole batch of timers at once; otherwise read when facts are. */
  memberships?: readonly Membership[];
}

/**
 * Runs journeys: follows the log behind the segments stage (so Segment
 * Entered/Exited are there to trigger on), enters people, moves waiting
 * instances on the events they wait for, ends them on exit criteria, counts
 * goals, and wakes instances whose timers are due. Every pass commits the
 * instances, their history and the sends they decided in one transaction; a
 * send's idempotency key (instance, step, visit) makes it happen once.
 */
export class JourneyStage implements Projection {
  readonly name = 'journeys';
  readonly #o: JourneyStageOptions;

  constructor(options: JourneyStageOptions) {
    this.#o = options;
  }

  position(partition: number): Promise<number> {
    return this.#o.store.checkpoint(this.name, partition);
  }

  apply(partition: number, records: readonly LogRecord[]): Promise<void> {
    const last = records.at(-1);
    if (last === undefined) return Promise.resolve();
    return this.#o.lock.run(async () => {
      const ws = new IdentityWorkspace(this.#o.identity);
      const byProfile = new Map<string, CollectedMessage[]>();
      for (const { message } of records) {
        const profileId = await this.#profileOf(ws, message);
        if (profileId !== undefined) byProfile.set(profileId, [...(byProfile.get(profileId) ?? []), message]);
      }
      const passes = await this.#passes(ws, [...byProfile.keys()]);
      const policies = await this.#o.store.policies();
      for (const pass of passes) {
        for (const message of byProfile.get(pass.profileId) ?? []) await this.#onMessage(ws, pass, message, policies);
      }
      await this.#commit(passes, { consumer: this.name, partition, offset: last.offset });
    });
  }

  /** Wakes instances whose timers are due; returns how many. */
  runDueTimers(limit = 500): Promise<number> {
    return this.#o.lock.run(async () => {
      const now = this.#o.clock.now();
      const due = await this.#o.store.dueInstances(now, limit, this.#o.catalog.runningIds());
      if (due.length === 0) return 0;
      const ws = new IdentityWorkspace(this.#o.identity);
      const profileIds = [...new Set(due.map((i) => i.profileId))];
      const passes = await this.#passes(ws, profileIds);
      // One read of the batch's memberships instead of one per person: timers bring no message that could change them.
      const memberships = await this.#o.segments.membershipsOf(profileIds);
      for (const pass of passes) pass.memberships = memberships.get(pass.profileId) ?? [];
      const policies = await this.#o.store.policies();
      const dueIds = new Set(due.map((i) => i.id));
      for (const pass of passes) {
        for (const instance of pass.instances.filter((i) => dueIds.has(i.id))) {
          await this.#run(ws, pass, instance, { kind: 'wake' }, policies);
        }
      }
      await this.#commit(passes);
      return due.length;
    });
  }

  /**
   * Takes the outcome of a webhook call: notes it in the instance's history
   * and, when the instance waits at that call, moves it on by the outcome. The
   * outcome is stored in the same transaction, so the call is settled once.
   * A paused journey still takes the answers to the calls it made.
   */
  settleWebhook(call: PendingWebhook, outcome: WebhookOutcome): Promise<void> {
    return this.#o.lock.run(async () => {
      const settled = [{ idempotencyKey: call.idempotencyKey, outcome }];
      const stored = await this.#o.store.instance(call.instanceId);
      const ws = new IdentityWorkspace(this.#o.identity);
      if (stored === undefined || (await ws.profile(stored.profileId)) === undefined) {
        await this.#commit([], undefined, settled);
        return;
      }
      const [pass] = await this.#passes(ws, [(await ws.liveProfile(stored.profileId)).id]);
      const instance = pass?.instances.find((i) => i.id === call.instanceId);
      if (pass === undefined || instance === undefined) {
        await this.#commit([], undefined, settled);
        return;
      }
      const { method, url, step } = call.request;
      this.#record(pass, instance, [{ at: this.#o.clock.now(), step, kind: 'webhook', detail: `${method} ${url}: ${describeOutcome(outcome)}` }]);
      if (call.request.waits && instance.status === 'active') {
        await this.#run(ws, pass, instance, { kind: 'webhook', key: call.idempotencyKey, outcome }, await this.#o.store.policies());
      }
      await this.#commit([pass], undefined, settled);
    });
  }

  /**
   * Moves active instances to steps of a new version (a migration map on
   * publishing it); each starts its new step now.
   */
  migrate(instances: readonly InstanceRecord[], version: number, map: Readonly<Record<string, string>>): Promise<number> {
    return this.#o.lock.run(async () => {
      const moved = instances.filter((i) => i.step !== null && map[i.step] !== undefined);
      if (moved.length === 0) return 0;
      const ws = new IdentityWorkspace(this.#o.identity);
      const passes = await this.#passes(ws, [...new Set(moved.map((i) => i.profileId))]);
      const policies = await this.#o.store.policies();
      const now = this.#o.clock.now();
      for (const pass of passes) {
        for (const old of moved.filter((i) => i.profileId === pass.profileId)) {
          const to = map[old.step ?? ''] ?? '';
          const instance: Instance = { ...old, version, step: to, visit: old.visit + 1, stepEnteredAt: now, wakeAt: null, waitingFor: null };
          this.#record(pass, instance, [{ at: now, step: to, kind: 'arrived', detail: `migrated from v${old.version} step ${old.step ?? ''}` }]);
          await this.#run(ws, pass, instance, { kind: 'arrive' }, policies);
        }
      }
      await this.#commit(passes);
      return moved.length;
    });
  }

  /** Enters a person into a journey by API; returns the instance, or why they could not enter. */
  enterByApi(journeyId: string, profileId: string): Promise<{ instance: Instance } | { refused: string }> {
    return this.#o.lock.run(async () => {
      const journey = this.#o.catalog.live(journeyId);
      if (journey === undefined) return { refused: 'the journey is not live' };
      const ws = new IdentityWorkspace(this.#o.identity);
      const live = await ws.liveProfile(profileId);
      const [pass] = await this.#passes(ws, [live.id]);
      if (pass === undefined) return { refused: 'no such profile' };
      const now = this.#o.clock.now();
      const refused = this.#entryRefused(journey, pass, now);
      if (refused !== undefined) return { refused };
      const instance = await this.#enter(ws, pass, journey, { event: null, properties: {}, messageId: null, at: now }, await this.#o.store.policies());
      await this.#commit([pass]);
      return { instance };
    });
  }

  /** Enters the current members of a segment into a scheduled journey (once, or each time its schedule comes round). */
  enterMembers(journeyId: string, profileIds: readonly string[]): Promise<number> {
    return this.#o.lock.run(async () => {
      const journey = this.#o.catalog.live(journeyId);
      if (journey === undefined) return 0;
      const ws = new IdentityWorkspace(this.#o.identity);
      const passes = await this.#passes(ws, profileIds);
      const policies = await this.#o.store.policies();
      const now = this.#o.clock.now();
      let entered = 0;
      for (const pass of passes) {
        if (this.#entryRefused(journey, pass, now) !== undefined) continue;
        await this.#enter(ws, pass, journey, { event: null, properties: {}, messageId: null, at: now }, policies);
        entered++;
      }
      await this.#commit(passes);
      return entered;
    });
  }

  async #profileOf(ws: IdentityWorkspace, message: CollectedMessage): Promise<string | undefined> {
    const identifiers = extractIdentifiers(message, this.#o.identityRules);
    if (identifiers.length === 0) return undefined;
    const fragment = await ws.fragment(fragmentKeyOf(identifiers));
    if (fragment === undefined || (await ws.profile(fragment.homeProfileId)) === undefined) return undefined;
    return (await ws.liveProfile(fragment.homeProfileId)).id;
  }

  /** Loads each person's instances; instances of profiles merged into them collapse: one per journey goes on. */
  async #passes(ws: IdentityWorkspace, profileIds: readonly string[]): Promise<Pass[]> {
    const passes: Pass[] = [];
    for (const profileId of profileIds) {
      const merged = await ws.mergedIntoIds(profileId);
      const all = (await this.#o.store.instancesOf([profileId, ...merged])) as Instance[];
      const pass: Pass = {
        profileId,
        instances: [],
        changes: { instances: new Map(), history: [], sends: [], effects: [] },
        recentSends: [],
        facts: undefined,
        sendContext: undefined,
        identifiers: undefined,
      };
      const now = this.#o.clock.now();
      for (const instance of all) {
        if (instance.profileId === profileId) {
          pass.instances.push(instance);
          continue;
        }
        // Follow the survivor: an instance of the same journey already active there wins, this one ends.
        const twin = all.find((i) => i.profileId === profileId && i.journeyId === instance.journeyId && i.status === 'active');
        const moved: Instance =
          instance.status === 'active' && twin !== undefined
            ? { ...instance, profileId, status: 'exited', step: null, wakeAt: null, waitingFor: null, endedAt: now, exitReason: `profiles merged; continues as ${twin.id}` }
            : { ...instance, profileId };
        pass.instances.push(moved);
        pass.changes.instances.set(moved.id, moved);
      }
      passes.push(pass);
    }
    return passes;
  }

  async #facts(ws: IdentityWorkspace, pass: Pass): Promise<ProfileFacts> {
    if (pass.facts === undefined) {
      const profile = await ws.liveProfile(pass.profileId);
      const memberships = pass.memberships ?? (await this.#o.segments.membershipsOf([pass.profileId])).get(pass.profileId) ?? [];
      const names = new Set(memberships.map((m) => this.#o.segmentCatalog.segment(m.segmentId)?.name).filter((n): n is string => n !== undefined));
      pass.facts = factsOf(profile, names, this.#o.facts, this.#o.clock.now());
    }
    return pass.facts;
  }

  async #identifiers(ws: IdentityWorkspace, pass: Pass): Promise<string[]> {
    pass.identifiers ??= (await ws.identifiersOf(pass.profileId)).sort(this.#o.compareKeys);
    return pass.identifiers;
  }

  async #onMessage(ws: IdentityWorkspace, pass: Pass, message: CollectedMessage, policies: ContactPolicies): Promise<void> {
    const name = message.type === 'track' ? message.event : message.type === 'page' || message.type === 'screen' ? message.name : undefined;
    const event: EventTrigger | undefined =
      name === undefined ? undefined : { event: name, properties: message.properties ?? {}, timestamp: Date.parse(message.timestamp), messageId: message.messageId };
    pass.facts = undefined; // the message may have changed the person
    if (event !== undefined) {
      for (const instance of pass.instances.filter((i) => i.status === 'active')) {
        const journey = this.#o.catalog.version(instance.journeyId, instance.version);
        if (journey === undefined || !this.#o.catalog.running(instance.journeyId)) continue;
        if (journey.exits.some((x) => x.kind === 'event' && matches(x.match, event))) {
          this.#end(pass, instance, `exit event "${event.event}"`);
          continue;
        }
        this.#countGoal(pass, journey, instance, event);
        // Counting the goal replaced the instance in the pass: carry on from that one.
        const current = pass.instances.find((i) => i.id === instance.id) ?? instance;
        if (current.waitingFor === event.event) await this.#run(ws, pass, current, { kind: 'event', event }, policies);
      }
      const entering = [...this.#o.catalog.enteredByEvent(event.event)].filter((j) => j.entry.kind === 'event' && matches(j.entry.match, event));
      if (internalContextOf(message) !== undefined && (event.event === 'Segment Entered' || event.event === 'Segment Exited')) {
        const segment = event.properties.segment_name;
        if (typeof segment === 'string') entering.push(...this.#o.catalog.enteredBySegment(segment, event.event === 'Segment Entered' ? 'enter' : 'exit'));
      }
      for (const journey of entering) {
        if (this.#entryRefused(journey, pass, event.timestamp) !== undefined) continue;
        await this.#enter(ws, pass, journey, { event: event.event, properties: event.properties, messageId: event.messageId, at: event.timestamp }, policies);
      }
    }
    await this.#checkConditionExits(ws, pass);
  }

  /** Why a person may not enter (re-entry, cooldown, max entries, entry segment), or undefined. */
  #entryRefused(journey: CompiledJourney, pass: Pass, at: number): string | undefined {
    const previous = pass.instances.filter((i) => i.journeyId === journey.id);
    const { reentry, cooldown, maxEntries, segment } = journey.rules;
    if (previous.length > 0 && reentry === 'never') return 'entered before; re-entry is never allowed';
    if (reentry === 'after_exit' && previous.some((i) => i.status === 'active')) return 'already inside';
    if (maxEntries !== undefined && previous.length >= maxEntries) return `entered ${previous.length} times; at most ${maxEntries}`;
    const last = previous.at(-1);
    if (cooldown !== undefined && last !== undefined && at < last.enteredAt + cooldown.amount * spanMs[cooldown.unit]) return 'in the cooldown after the last entry';
    if (segment !== undefined && pass.facts !== undefined && !pass.facts.segments.has(segment)) return `not in segment "${segment}"`;
    return undefined;
  }

  async #enter(ws: IdentityWorkspace, pass: Pass, journey: CompiledJourney, entry: Instance['entry'], policies: ContactPolicies): Promise<Instance> {
    const facts = await this.#facts(ws, pass);
    const segment = journey.rules.segment;
    const now = this.#o.clock.now();
    const instance = startingInstance(newId('ins'), journey, pass.profileId, entry, now);
    if (segment !== undefined && !facts.segments.has(segment)) return instance;
    pass.instances.push(instance);
    await this.#run(ws, pass, instance, { kind: 'enter' }, policies);
    return pass.instances.find((i) => i.id === instance.id) ?? instance;
  }

  async #run(ws: IdentityWorkspace, pass: Pass, instance: Instance, trigger: Trigger, policies: ContactPolicies): Promise<void> {
    const journey = this.#o.catalog.version(instance.journeyId, instance.version);
    if (journey === undefined) return;
    const facts = await this.#facts(ws, pass);
    const now = this.#o.clock.now();
    pass.sendContext ??= await loadSendContext(pass.profileId, await this.#identifiers(ws, pass), facts, policies, now, {
      store: this.#o.store,
      isSuppressed: this.#o.isSuppressed,
    });
    const context = pass.sendContext;
    const result = advance(journey, instance, trigger, {
      now,
      facts: () => facts,
      decideSend: (channels, category, current) => {
        const base = context(current.holdout);
        return decideSend(channels, category, { ...base, recentSends: [...base.recentSends, ...pass.recentSends] }, policies);
      },
      draw: (salt) => draw(pass.profileId, salt),
    });
    this.#record(pass, result.instance, result.history);
    for (const effect of result.effects) await this.#perform(ws, pass, result.instance, effect, policies);
  }

  async #perform(ws: IdentityWorkspace, pass: Pass, instance: Instance, effect: Effect, policies: ContactPolicies): Promise<void> {
    const now = this.#o.clock.now();
    switch (effect.kind) {
      case 'send':
        pass.changes.sends.push({
          idempotencyKey: effect.idempotencyKey,
          instanceId: instance.id,
          journeyId: instance.journeyId,
          profileId: pass.profileId,
          step: effect.step,
          channel: effect.channel,
          category: effect.category,
          template: effect.template,
          variant: instance.variant,
          at: now,
        });
        pass.recentSends.push({ channel: effect.channel, category: effect.category, at: now });
        return;
      case 'updateProfile': {
        const facts = await this.#facts(ws, pass);
        const traits: Record<string, unknown> = { ...effect.set };
        for (const [name, by] of Object.entries(effect.increment)) {
          const current = facts.traits[name];
          traits[name] = (typeof current === 'number' ? current : 0) + by;
        }
        pass.changes.effects.push({ idempotencyKey: effect.idempotencyKey, instanceId: instance.id, kind: 'updateProfile', payload: traits });
        const [anchor] = await this.#identifiers(ws, pass);
        if (anchor !== undefined) await this.#o.announce([this.#identify(effect.idempotencyKey, anchor, traits, now)]);
        return;
      }
      case 'webhook': {
        const facts = await this.#facts(ws, pass);
        const request = webhookRequest(effect.call, effect.waits, {
          profile: { id: pass.profileId, traits: facts.traits },
          traits: facts.traits,
          event: { name: instance.entry.event, properties: instance.entry.properties, messageId: instance.entry.messageId, timestamp: new Date(instance.entry.at).toISOString() },
          journey: {
            id: instance.journeyId,
            name: this.#o.catalog.version(instance.journeyId, instance.version)?.name ?? '',
            version: instance.version,
            step: effect.call.id,
            instanceId: instance.id,
            variant: instance.variant,
          },
        });
        pass.changes.effects.push({ idempotencyKey: effect.idempotencyKey, instanceId: instance.id, kind: 'webhook', payload: request });
        return;
      }
      case 'jump': {
        const target = this.#o.catalog.byName(effect.journey);
        const journey = target && this.#o.catalog.live(target.id);
        if (journey !== undefined && this.#entryRefused(journey, pass, now) === undefined) {
          await this.#enter(ws, pass, journey, instance.entry, policies);
        }
        return;
      }
    }
  }

  #identify(key: string, anchor: string, traits: Record<string, unknown>, now: number): CollectedMessage {
    const at = new Date(now).toISOString();
    return {
      v: 1,
      messageId: `journey:${key}`,
      type: 'identify',
      sourceId: this.#o.internalSourceId,
      channel: 'other',
      traits,
      context: { tessera: { identifiers: [anchor] } },
      timestamp: at,
      receivedAt: at,
    };
  }

  #countGoal(pass: Pass, journey: CompiledJourney, instance: Instance, event: EventTrigger): void {
    const goal = journey.goal;
    if (goal === undefined || instance.converted || !matches(goal.match, event)) return;
    const deadline = instance.entry.at + goal.within.amount * spanMs[goal.within.unit];
    if (event.timestamp < instance.entry.at || event.timestamp > deadline) return;
    this.#record(pass, { ...instance, converted: true }, [{ at: this.#o.clock.now(), step: instance.step, kind: 'converted', detail: `"${event.event}"` }]);
  }

  async #checkConditionExits(ws: IdentityWorkspace, pass: Pass): Promise<void> {
    for (const instance of pass.instances.filter((i) => i.status === 'active')) {
      const journey = this.#o.catalog.version(instance.journeyId, instance.version);
      const exits = journey?.exits.filter((x) => x.kind === 'condition') ?? [];
      if (exits.length === 0) continue;
      const facts = await this.#facts(ws, pass);
      const now = this.#o.clock.now();
      if (exits.some((x) => x.kind === 'condition' && evaluate(x.condition, facts, now))) this.#end(pass, instance, 'exit condition met');
    }
  }

  #end(pass: Pass, instance: Instance, reason: string): void {
    const now = this.#o.clock.now();
    this.#record(pass, { ...instance, status: 'exited', step: null, wakeAt: null, waitingFor: null, endedAt: now, exitReason: reason }, [
      { at: now, step: instance.step, kind: 'exited', detail: reason },
    ]);
  }

  #record(pass: Pass, instance: Instance, history: readonly HistoryEntry[]): void {
    pass.instances = pass.instances.map((i) => (i.id === instance.id ? instance : i));
    if (!pass.instances.some((i) => i.id === instance.id)) pass.instances.push(instance);
    pass.changes.instances.set(instance.id, instance);
    pass.changes.history.push(...history.map((h) => ({ instanceId: instance.id, ...h })));
  }

  async #commit(passes: readonly Pass[], checkpoint?: Parameters<JourneyStore['commit']>[1], settledWebhooks: JourneyChanges['settledWebhooks'] = []): Promise<void> {
    const changes: JourneyChanges = {
      instances: passes.flatMap((p) => [...p.changes.instances.values()] as InstanceRecord[]),
      history: passes.flatMap((p) => p.changes.history),
      sends: passes.flatMap((p) => p.changes.sends),
      effects: passes.flatMap((p) => p.changes.effects),
      settledWebhooks,
    };
    await this.#o.store.commit(changes, checkpoint);
    if (changes.effects.some((e) => e.kind === 'webhook')) this.#o.onWebhook?.();
  }
}
