/**
 * Writes people waiting in a journey straight into the operational store
 * through its adapter, as the pipeline would have left them: a profile each
 * (with a user_id), and an instance at a one-minute wait whose timer comes due
 * at `dueAt(i)`. Large transactions, so a million take seconds, not the hour
 * the pipeline would spend entering them one event at a time.
 */
import type { JourneyDefinition } from '../../src/contracts/index.js';
import { emptyState, resolveProfileRules } from '../../src/profiles/index.js';
import { traitIndexKey } from '../../src/profiles/trait-index.js';
import type { InstanceRecord, OperationalStore, ProfileRecord, StateJson } from '../../src/store/index.js';

export const waitingJourney = { id: 'jrn_bench_timers', name: 'Bench timers' } as const;
export const waitMs = 60_000;
const batch = 20_000;

/** Wait a minute, then one in-app message: each timer that fires is one send. */
const definition: JourneyDefinition = {
  entry: { kind: 'api' },
  start: 'wait',
  steps: {
    wait: { type: 'wait', duration: { amount: 1, unit: 'minutes' }, next: 'notify' },
    notify: { type: 'send', channel: 'in_app', template: 'bench', category: 'transactional', next: 'end' },
    end: { type: 'exit' },
  },
};

export const benchProfileId = (i: number): string => `pro_bench_${i}`;
export const benchInstanceId = (i: number): string => `ins_bench_${i}`;
/** The index a bench instance id was made from. */
export const indexOfInstance = (id: string): number => Number(id.slice('ins_bench_'.length));

export async function seedWaiting(state: OperationalStore, people: number, dueAt: (i: number) => number, now: number, progress: (line: string) => void): Promise<void> {
  await state.journeys.createJourney(
    { id: waitingJourney.id, name: waitingJourney.name, status: 'live', liveVersion: 1, latestVersion: 1, scheduledAt: null, createdAt: now, updatedAt: now },
    { journeyId: waitingJourney.id, version: 1, definition, publishedAt: now },
  );
  for (let from = 0; from < people; from += batch) {
    const indexes = Array.from({ length: Math.min(batch, people - from) }, (_, k) => from + k);
    const profiles: ProfileRecord[] = indexes.map((i) => ({
      id: benchProfileId(i),
      state: emptyState as unknown as StateJson,
      identifierCounts: { user_id: 1 },
      maxClaim: { timestamp: new Date(now).toISOString(), messageId: `seed-${i}` },
      constrained: false,
      conflicted: false,
      mergedInto: null,
      createdAt: now,
      updatedAt: now,
    }));
    const last = from + indexes.length === people;
    await state.identity.commit({
      identifiers: indexes.map((i) => ({ key: `user_id:bench-${i}`, profileId: benchProfileId(i), createdAt: now })),
      fragments: [],
      profiles,
      history: [],
      conflicts: { replaceFor: [], add: [] },
      cannotLinks: [],
      // The profiles have no traits, so nothing to index; saying so spares the server re-indexing them all at start.
      ...(last && { traitIndexRules: traitIndexKey(resolveProfileRules(undefined)) }),
    });
    const instances: InstanceRecord[] = indexes.map((i) => {
      const entered = dueAt(i) - waitMs;
      return {
        id: benchInstanceId(i),
        journeyId: waitingJourney.id,
        version: 1,
        profileId: benchProfileId(i),
        status: 'active',
        step: 'wait',
        visit: 0,
        stepEnteredAt: entered,
        wakeAt: dueAt(i),
        waitingFor: null,
        entry: { event: null, properties: {}, messageId: null, at: entered },
        variant: null,
        holdout: false,
        converted: false,
        enteredAt: entered,
        endedAt: null,
        exitReason: null,
      };
    });
    await state.journeys.commit({ instances, history: [], sends: [], effects: [] });
    if ((from + indexes.length) % 200_000 === 0 || from + indexes.length === people) progress(`   seeded ${(from + indexes.length).toLocaleString('en-US')} waiting people`);
  }
}
