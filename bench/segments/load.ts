/**
 * Writes the population straight into Tessera's stores through their
 * adapters, as the pipeline would have left them after applying every
 * message: the messages in the log; the events in the event store; the
 * identity graph and golden records (folded with the same functions the unify
 * stage uses, event aggregates of every live segment and computed trait
 * included) in the operational store; the live segments' memberships and
 * timers (decided by the same in-memory evaluator); every stage's checkpoint
 * at the log's head. Batch by batch, each store at one consistent cut.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDbEventStore } from '../../src/adapters/duckdb/index.js';
import { SqliteEventLog, openSqliteOperationalStore } from '../../src/adapters/sqlite/index.js';
import { SourceService } from '../../src/collect/index.js';
import type { CollectedMessage } from '../../src/contracts/index.js';
import { extractIdentifiers, fragmentKeyOf, identifierKey, type IdentityRules } from '../../src/identity/index.js';
import type { Clock } from '../../src/lib/clock.js';
import { pruneAggregates } from '../../src/profiles/aggregates.js';
import {
  accumulateObservation,
  contributionOf,
  emptyState,
  mergeStates,
  resolveProfileRules,
  toEventRow,
  type AggregateAccumulator,
  type AggregateDefinition,
  type ProfileRules,
  type ProfileState,
} from '../../src/profiles/index.js';
import { traitIndexEntries, traitIndexKey } from '../../src/profiles/trait-index.js';
import { SegmentCatalog, readDefinition } from '../../src/segments/index.js';
import { factsOf } from '../../src/segments/profile-facts.js';
import { loadUnifyRules } from '../../src/server/config-file.js';
import type {
  Claim,
  ComputedTraitRecord,
  FragmentRecord,
  IdentifierRecord,
  LogEntry,
  Membership,
  ProfileRecord,
  SegmentRecord,
  StateJson,
} from '../../src/store/index.js';
import { Random } from '../shared/random.js';
import { computedTraits, generateProfile, liveSegments, profileIdOf, trackCounts, type BenchSource } from './population.js';

export interface LoadOptions {
  readonly dataDir: string;
  readonly configFile: string;
  readonly seed: number;
  readonly people: number;
  readonly events: number;
  readonly liveSegments: number;
  readonly clock: Clock;
  readonly progress: (line: string) => void;
}

export interface LoadSummary {
  readonly people: number;
  readonly messages: number;
  readonly trackEvents: number;
  readonly memberships: number;
  readonly ms: number;
}

const batchPeople = 2_000;
const dedupeWindowMs = 7 * 86_400_000;

const asJson = (state: ProfileState): StateJson => state as unknown as StateJson;
const earlier = (a: Claim, b: Claim): Claim => (a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.messageId <= b.messageId) ? a : b);
const later = (a: Claim, b: Claim): Claim => (earlier(a, b) === a ? b : a);

/** The aggregates one message feeds, looked up by its event name (the unify stage asks every definition). */
function aggregatesOf(message: CollectedMessage, byEvent: ReadonlyMap<string, readonly AggregateDefinition[]>): Record<string, AggregateAccumulator> {
  const name = message.type === 'track' ? message.event : message.type === 'page' || message.type === 'screen' ? message.name : undefined;
  const result: Record<string, AggregateAccumulator> = {};
  if (name === undefined) return result;
  const t = Date.parse(message.timestamp);
  for (const definition of byEvent.get(name) ?? []) {
    const seen = definition.observe(message);
    if (seen === undefined) continue;
    result[definition.id] = accumulateObservation(definition.keep, seen.value === undefined ? { t, id: message.messageId } : { t, id: message.messageId, v: seen.value });
  }
  return result;
}

export async function loadPopulation(o: LoadOptions): Promise<LoadSummary> {
  const started = performance.now();
  const now = o.clock.now();
  const state = openSqliteOperationalStore(join(o.dataDir, 'state.db'));
  const events = await DuckDbEventStore.open(join(o.dataDir, 'events.duckdb'));
  const log = new SqliteEventLog({ path: join(o.dataDir, 'log.db'), clock: o.clock, dedupeWindowMs });
  try {
    const catalog = new SegmentCatalog();
    const rules = await loadUnifyRules(o.configFile, catalog);
    if (!rules.ok) throw new Error(JSON.stringify(rules.error));
    const identityRules: IdentityRules = rules.value.identity;
    const profileRules: ProfileRules = rules.value.profiles;
    const plainRules = resolveProfileRules(undefined);
    const foldRules: ProfileRules = { ...profileRules, aggregates: plainRules.aggregates };

    const sourceService = new SourceService(state.sources, o.clock);
    const sources: BenchSource[] = [];
    for (const [name, channel] of [['Web shop', 'web'], ['iOS app', 'ios'], ['Store tills', 'pos']] as const) {
      sources.push({ id: (await sourceService.create({ name, channel })).id, channel });
    }

    // The definitions, live from the start.
    const random = new Random(o.seed);
    const traitRecords: ComputedTraitRecord[] = computedTraits.map((t) => ({
      id: `ctr_${random.hex(16)}`,
      name: t.name,
      definition: t.definition,
      status: 'live',
      error: null,
      eventsReplayed: 0,
      backfilledAt: now,
      createdAt: now,
      updatedAt: now,
    }));
    for (const record of traitRecords) await state.computedTraits.create(record);
    catalog.replaceTraits(traitRecords);
    for (const [i, { name, text }] of liveSegments(o.seed, o.liveSegments).entries()) {
      const read = readDefinition(text);
      if (!read.ok) throw new Error(`${name}: ${text}: ${JSON.stringify(read.error)}`);
      const record: SegmentRecord = { id: `seg_${random.hex(16)}`, name, condition: read.value, text, status: 'live', error: null, createdAt: now + i, updatedAt: now };
      await state.segments.create(record);
    }
    catalog.replace(await state.segments.list());
    const set = catalog.live;
    const byEvent = new Map<string, AggregateDefinition[]>();
    for (const definition of catalog.definitions()) byEvent.set(definition.eventName, [...(byEvent.get(definition.eventName) ?? []), definition]);
    const facts = { profileRules, timeZoneTrait: 'timezone', computed: () => catalog.computed };
    const segmentIds = new Map(set.ordered.map((s) => [s.name, s.id]));

    const counts = trackCounts(o.seed, o.people, o.events);
    let messages = 0;
    let trackEvents = 0;
    let memberships = 0;
    const spent = { generate: 0, log: 0, fold: 0, evaluate: 0, events: 0, identity: 0, segments: 0 };
    let mark = performance.now();
    const lap = (phase: keyof typeof spent): void => {
      const t = performance.now();
      spent[phase] += t - mark;
      mark = t;
    };
    for (let from = 0; from < o.people; from += batchPeople) {
      const people = Array.from({ length: Math.min(batchPeople, o.people - from) }, (_, k) => generateProfile(o.seed, from + k, counts[from + k] ?? 0, now, sources));
      const batch = people.flatMap((p) => p.messages);
      lap('generate');
      const entries: LogEntry[] = batch.map((message) => ({
        partitionKey: message.userId ?? message.anonymousId ?? message.messageId,
        dedupeKey: `${message.sourceId}:${message.messageId}`,
        message,
      }));
      const outcomes = await log.append(entries);
      const offsets = outcomes.map((outcome) => {
        if (outcome.kind !== 'appended') throw new Error('a generated message was taken for a duplicate');
        return outcome.offset;
      });
      const last = Math.max(...offsets);
      lap('log');

      const identifiers: IdentifierRecord[] = [];
      const fragments: FragmentRecord[] = [];
      const profiles: ProfileRecord[] = [];
      const rows = [];
      const entered: Membership[] = [];
      const timers: { profileId: string; dueAt: number | null }[] = [];
      let at = 0;
      for (const person of people) {
        const profileId = profileIdOf(o.seed, person.index);
        const byFragment = new Map<string, { ids: string[]; claim: Claim; state: ProfileState }>();
        for (const message of person.messages) {
          const ids = extractIdentifiers(message, identityRules);
          rows.push(toEventRow({ partition: 0, offset: offsets[at++]!, message }, ids));
          const key = fragmentKeyOf(ids);
          const contribution = { ...contributionOf(message, foldRules), aggregates: aggregatesOf(message, byEvent) };
          const claim = { timestamp: message.timestamp, messageId: message.messageId };
          const seen = byFragment.get(key);
          byFragment.set(
            key,
            seen === undefined
              ? { ids: ids.map(identifierKey), claim, state: mergeStates(emptyState, contribution) }
              : { ids: seen.ids, claim: earlier(seen.claim, claim), state: mergeStates(seen.state, contribution) },
          );
          messages++;
          if (message.type === 'track') trackEvents++;
        }
        let profileState = emptyState;
        let maxClaim: Claim | undefined;
        const held = new Set<string>();
        for (const [key, f] of byFragment) {
          const pruned = { ...f.state, aggregates: pruneAggregates(f.state.aggregates, catalog, now) };
          fragments.push({ key, identifiers: f.ids, claim: f.claim, homeProfileId: profileId, state: asJson(pruned) });
          profileState = mergeStates(profileState, pruned);
          maxClaim = maxClaim === undefined ? f.claim : later(maxClaim, f.claim);
          for (const id of f.ids) held.add(id);
        }
        const identifierCounts: Record<string, number> = {};
        for (const key of held) {
          const type = key.slice(0, key.indexOf(':'));
          identifierCounts[type] = (identifierCounts[type] ?? 0) + 1;
          identifiers.push({ key, profileId, createdAt: now });
        }
        const profile: ProfileRecord = {
          id: profileId,
          state: asJson(profileState),
          identifierCounts,
          maxClaim: maxClaim ?? { timestamp: '', messageId: '' },
          constrained: false,
          conflicted: false,
          mergedInto: null,
          createdAt: now,
          updatedAt: now,
        };
        profiles.push(profile);
        lap('fold');
        // First memberships and timers, as the segments stage decides them.
        const profileFacts = factsOf(profile, new Set(), facts, now);
        const after = set.evaluate(profileFacts, set.all(), now);
        for (const name of after) entered.push({ segmentId: segmentIds.get(name)!, profileId, since: now });
        timers.push({ profileId, dueAt: set.nextChange({ ...profileFacts, segments: after }, now) });
        lap('evaluate');
      }
      memberships += entered.length;
      await events.insert(rows, { consumer: 'event-store', partition: 0, offset: last });
      lap('events');
      await state.identity.commit(
        {
          identifiers,
          fragments,
          profiles,
          history: [],
          conflicts: { replaceFor: [], add: [] },
          cannotLinks: [],
          traitIndex: profiles.map((p) => ({ profileId: p.id, entries: traitIndexEntries(p.state as unknown as ProfileState, profileRules) })),
        },
        { consumer: 'unify', partition: 0, offset: last },
      );
      lap('identity');
      await state.segments.commit({ entered, exited: [], timers, outbox: [] }, { consumer: 'segments', partition: 0, offset: last });
      lap('segments');
      const done = from + people.length;
      if (done % 50_000 < batchPeople || done === o.people) {
        const parts = Object.entries(spent).map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(0)}`).join(', ');
        o.progress(`   ${done.toLocaleString('en-US')} people, ${messages.toLocaleString('en-US')} messages, ${((performance.now() - started) / 1000).toFixed(0)} s (s: ${parts})`);
      }
    }
    // Every live profile was indexed under these rules: the server need not index them again.
    await state.identity.commit({ identifiers: [], fragments: [], profiles: [], history: [], conflicts: { replaceFor: [], add: [] }, cannotLinks: [], traitIndexRules: traitIndexKey(profileRules) });
    return { people: o.people, messages, trackEvents, memberships, ms: performance.now() - started };
  } finally {
    await log.close();
    await events.close();
    await state.close();
  }
}
