/**
 * The adapters each port's contract suite runs over. An adapter is done when
 * its port's suite passes on it; scale adapters (PostgreSQL, NATS) join here.
 */
import { join } from 'node:path';
import { DuckDbEventStore, DuckDbProfileMirror } from '../../src/adapters/duckdb/index.js';
import { SqliteEventLog, openSqliteOperationalStore } from '../../src/adapters/sqlite/index.js';
import type { Clock } from '../../src/lib/clock.js';
import type { EventLog, EventStore, OperationalStore, ProfileMirror, SuppressionStore } from '../../src/store/index.js';

export interface Adapter<Port> {
  readonly name: string;
  /** Opens the port on storage under `dir`; opening the same dir again must see the same data. */
  open(dir: string, clock: Clock): Promise<Port>;
}

export const eventLogAdapters: Adapter<EventLog & { readonly dedupeWindowMs: number }>[] = [
  {
    name: 'sqlite',
    open: async (dir, clock) =>
      Object.assign(new SqliteEventLog({ path: join(dir, 'log.db'), clock, dedupeWindowMs: 3_600_000 }), { dedupeWindowMs: 3_600_000 }),
  },
];

export const eventStoreAdapters: Adapter<EventStore>[] = [
  { name: 'duckdb', open: (dir) => DuckDbEventStore.open(join(dir, 'events.duckdb')) },
];

export const operationalStoreAdapters: Adapter<OperationalStore>[] = [
  { name: 'sqlite', open: async (dir) => openSqliteOperationalStore(join(dir, 'state.db')) },
];

export const suppressionStoreAdapters: Adapter<SuppressionStore & { close(): Promise<void> }>[] = [
  {
    name: 'sqlite',
    open: async (dir) => {
      const store = openSqliteOperationalStore(join(dir, 'state.db'));
      return Object.assign(store.suppressions, { close: () => store.close() });
    },
  },
];

/** The profile mirror, with the event store it sits beside (its profile_events read those events). */
export const profileMirrorAdapters: Adapter<{ readonly mirror: ProfileMirror; readonly events: EventStore; close(): Promise<void> }>[] = [
  {
    name: 'duckdb',
    open: async (dir) => {
      const events = await DuckDbEventStore.open(join(dir, 'events.duckdb'));
      const mirror = await DuckDbProfileMirror.open(events);
      return {
        mirror,
        events,
        close: async () => {
          await mirror.close();
          await events.close();
        },
      };
    },
  },
];
