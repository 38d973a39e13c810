import type { CollectedMessage } from '../contracts/index.js';
import { IdentityWorkspace } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import type { Mutex } from '../lib/mutex.js';
import {
  accumulateObservation,
  asJson,
  asState,
  changesOf,
  mergeAggregates,
  type AggregateAccumulator,
  type AggregateDefinition,
  type ProfileRules,
} from '../profiles/index.js';
import type { EventStore, IdentityStore, ScannedEvent } from '../store/index.js';

export interface BackfillDependencies {
  readonly identity: IdentityStore;
  readonly events: Pick<EventStore, 'scan'>;
  readonly profileRules: ProfileRules;
  /** The unify stage's lock: the cut and every write happen under it. */
  readonly unifyLock: Mutex;
  /** The last log offset the unify stage applied (partition 0, the embedded log's only one). */
  readonly unifyPosition: () => number;
  /** Resolves once the event store has applied the log up to `offset`. */
  readonly eventStoreReached: (offset: number) => Promise<void>;
  readonly clock: Clock;
}

type Accumulators = Record<string, AggregateAccumulator>;

/** A stored event as the message aggregates observe. */
function messageOf(event: ScannedEvent): CollectedMessage {
  const named = event.type === 'track' ? { event: event.event } : { name: event.event };
  return {
    v: 1,
    messageId: event.messageId,
    type: event.type,
    sourceId: '',
    channel: 'other',
    ...named,
    properties: event.properties,
    context: {},
    timestamp: event.timestamp,
    receivedAt: event.timestamp,
  };
}

/**
 * Fills new aggregates from history, exactly once. `register` makes the
 * definitions live; it runs under the unify lock, so every message the unify
 * stage applies afterwards feeds them, and the backfill takes every stored
 * event up to that cut. Writes go to fragment states (which later rebuilds
 * start from) and to their profiles' states, a page of fragments at a time.
 * `factsUnchanged` says no computed trait reads the aggregates (a segment's):
 * the profile mirror then has nothing to update (see IdentityChanges).
 * Returns how many events were replayed.
 */
export async function backfillAggregates(
  definitions: readonly AggregateDefinition[],
  register: () => void,
  deps: BackfillDependencies,
  shouldStop: () => boolean = () => false,
  options: { readonly factsUnchanged?: boolean } = {},
): Promise<number> {
  const cut = await deps.unifyLock.run(async () => {
    register();
    return deps.unifyPosition();
  });
  if (definitions.length === 0) return 0;
  await deps.eventStoreReached(cut);
  const now = deps.clock.now();
  const horizons = definitions.map((d) => (d.keep.kind === 'entries' ? d.keep.horizonMs : null));
  const after = horizons.every((h) => h !== null) ? now - Math.max(...(horizons)) : undefined;
  let replayed = 0;
  await deps.events.scan(
    { events: [...new Set(definitions.map((d) => d.eventName))], maxOffset: cut, ...(after !== undefined && { after }) },
    async (events) => {
      if (shouldStop()) throw new Error('stopped while filling aggregates from history');
      const byFragment = new Map<string, Accumulators>();
      for (const event of events) {
        const message = messageOf(event);
        const t = Date.parse(event.timestamp);
        for (const definition of definitions) {
          const seen = definition.observe(message);
          if (seen === undefined) continue;
          const observation = seen.value === undefined ? { t, id: event.messageId } : { t, id: event.messageId, v: seen.value };
          const accumulators = byFragment.get(event.fragmentKey) ?? {};
          const single = accumulateObservation(definition.keep, observation);
          byFragment.set(event.fragmentKey, { ...mergeAggregates(accumulators, { [definition.id]: single }) });
        }
      }
      replayed += events.length;
      await deps.unifyLock.run(() => apply(byFragment, deps, options.factsUnchanged === true));
    },
  );
  return replayed;
}

/** Adds backfilled aggregates to each fragment and to the profile it belongs to. */
async function apply(byFragment: ReadonlyMap<string, Accumulators>, deps: BackfillDependencies, factsUnchanged: boolean): Promise<void> {
  const ws = new IdentityWorkspace(deps.identity);
  const byProfile = new Map<string, Accumulators>();
  for (const [key, accumulators] of byFragment) {
    const fragment = await ws.fragment(key);
    // Gone: the person was erased since the event was stored.
    if (fragment === undefined || (await ws.profile(fragment.homeProfileId)) === undefined) continue;
    const state = asState(fragment.state);
    ws.setFragment({ ...fragment, state: asJson({ ...state, aggregates: mergeAggregates(state.aggregates, accumulators) }) });
    const profileId = (await ws.liveProfile(fragment.homeProfileId)).id;
    byProfile.set(profileId, { ...mergeAggregates(byProfile.get(profileId) ?? {}, accumulators) });
  }
  for (const [profileId, accumulators] of byProfile) {
    const profile = await ws.liveProfile(profileId);
    const state = asState(profile.state);
    ws.setProfile({ ...profile, state: asJson({ ...state, aggregates: mergeAggregates(state.aggregates, accumulators) }) });
  }
  await deps.identity.commit({ ...changesOf(ws, deps.profileRules), ...(factsUnchanged && { factsUnchanged }) });
}
