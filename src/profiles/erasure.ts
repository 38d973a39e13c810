import { setTimeout as sleep } from 'node:timers/promises';
import type { ErasureRecord as ErasureView } from '../contracts/index.js';
import {
  IdentityWorkspace,
  detachForErasure,
  extractIdentifiers,
  identifierKey,
  type ErasedIdentifiers,
  type ErasureScope,
  type IdentityRules,
} from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import { TesseraError, notFound } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { Mutex } from '../lib/mutex.js';
import type { Projection } from '../log/index.js';
import type { ErasureRecord, EventLog, EventStore, IdentityStore, SuppressionStore } from '../store/index.js';
import type { ProfileRules } from './state.js';
import { changesOf, rebuildProfileState } from './unify-projection.js';

export interface ErasureServiceOptions {
  readonly store: IdentityStore;
  readonly events: Pick<EventStore, 'list' | 'erase'>;
  readonly log: Pick<EventLog, 'partitions' | 'headOffset' | 'read' | 'erase'>;
  readonly suppressions: Pick<SuppressionStore, 'remove'>;
  /** Deletes what later stages keep about the person outside the graph (inboxes, push subscriptions). */
  readonly forgetElsewhere?: (profileIds: readonly string[], identifierKeys: readonly string[]) => Promise<void>;
  readonly erased: ErasedIdentifiers;
  readonly identityRules: IdentityRules;
  readonly profileRules: ProfileRules;
  /** The unify lock: nothing else changes the graph while a person is erased. */
  readonly lock: Mutex;
  readonly clock: Clock;
  /** The unify stage: what it has not read yet of the log is scanned for the person's messages. */
  readonly unify: Pick<Projection, 'position'>;
  /** The event-store projection: erasure waits until it has applied the whole log. */
  readonly eventProjection: Pick<Projection, 'position'>;
  /** Longest wait for the event-store projection to catch up; 30 s unless set. */
  readonly catchUpTimeoutMs?: number;
}

const pollMs = 20;
const readBatch = 1000;

/**
 * The right to be forgotten: deletes a person (a profile and those merged
 * into it) from the identity store, the event store and the log, keeping
 * only an audit record and keyed hashes of their identifiers, against which
 * later messages are checked and dropped by both projections.
 *
 * The person's events are found through their fragments in the event store,
 * so the event-store projection must have applied every logged message first.
 * It is waited for twice: before the hashes are registered (everything
 * logged so far gets stored, hence found), and after (a batch that checked
 * the hashes just before they were registered has been stored too, hence
 * found); from then on nothing of the person is stored. Messages the unify
 * stage has not read yet have no fragment: the log after its position is
 * scanned for them. All of it runs under the unify lock, so the graph does
 * not move meanwhile.
 */
export class ErasureService {
  readonly #o: ErasureServiceOptions;

  constructor(options: ErasureServiceOptions) {
    this.#o = options;
  }

  /** Erases the person and answers the audit record, once everything is durably gone. */
  async erase(profileId: string, requestedBy: string): Promise<ErasureView> {
    const { store, erased, lock, clock } = this.#o;
    return lock.run(async () => {
      const ws = new IdentityWorkspace(store);
      if ((await ws.profile(profileId)) === undefined) throw notFound('profile', profileId);
      const live = await ws.liveProfile(profileId);
      const now = clock.now();
      const scope = await detachForErasure(ws, live.id, now);
      const hashes = await erased.hashesOf(scope.identifiers);
      await this.#eventsCaughtUp();
      erased.add(hashes);
      try {
        await this.#eventsCaughtUp();
        const erasedEvents = await this.#eraseEvents(scope);
        await this.#o.suppressions.remove(scope.identifiers);
        await this.#o.forgetElsewhere?.([live.id, ...scope.mergedIds], scope.identifiers);
        for (const id of scope.affected) await rebuildProfileState(ws, id);
        const record: ErasureRecord = {
          id: newId('era'),
          profileId: live.id,
          mergedIds: scope.mergedIds,
          requestedBy,
          at: now,
          identifierHashes: hashes,
          erasedEvents,
        };
        const changes = changesOf(ws, this.#o.profileRules);
        await store.commit({
          ...changes,
          // An empty entry list takes the erased profile out of the trait search index.
          traitIndex: [...(changes.traitIndex ?? []), { profileId: live.id, entries: [] }],
          erasure: { profileIds: [live.id, ...scope.mergedIds], identifiers: scope.identifiers, fragments: scope.fragments, record },
        });
        return erasureView(record);
      } catch (error) {
        // Not erased after all: the person's messages are taken again.
        erased.remove(hashes);
        throw error;
      }
    });
  }

  /**
   * Erases the person's events from the log, then from the event store, and
   * returns how many there were. In that order, a retry after a failure
   * still finds in the event store the offsets it has to erase.
   */
  async #eraseEvents(scope: ErasureScope): Promise<number> {
    const fragmentKeys = scope.fragments.map((f) => f.key);
    const offsets = new Set([...(await this.#storedOffsets(fragmentKeys)), ...(await this.#unreadOffsets(new Set(scope.identifiers)))]);
    for (let partition = 0; partition < this.#o.log.partitions; partition++) await this.#o.log.erase(partition, [...offsets]);
    await this.#o.events.erase({ fragmentKeys, offsets: [...offsets] });
    return offsets.size;
  }

  /** Log offsets of the stored events of these fragments. */
  async #storedOffsets(fragmentKeys: readonly string[]): Promise<number[]> {
    const offsets: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#o.events.list({ limit: readBatch, ...(cursor !== undefined && { cursor }) }, { fragmentKeys });
      offsets.push(...page.events.map((e) => e.offset));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return offsets;
  }

  /** Offsets of the logged messages the unify stage has not read yet that carry one of the identifiers. */
  async #unreadOffsets(identifiers: ReadonlySet<string>): Promise<number[]> {
    const { log, unify, identityRules } = this.#o;
    const offsets: number[] = [];
    for (let partition = 0; partition < log.partitions; partition++) {
      const head = await log.headOffset(partition);
      for (let after = await unify.position(partition); after < head; ) {
        const records = await log.read(partition, after, readBatch);
        const last = records.at(-1);
        if (last === undefined) break;
        for (const { offset, message } of records) {
          if (extractIdentifiers(message, identityRules).some((i) => identifiers.has(identifierKey(i)))) offsets.push(offset);
        }
        after = last.offset;
      }
    }
    return offsets;
  }

  /** Resolves once the event-store projection has applied the log up to its head, in every partition. */
  async #eventsCaughtUp(): Promise<void> {
    const { log, eventProjection, catchUpTimeoutMs = 30_000 } = this.#o;
    for (let partition = 0; partition < log.partitions; partition++) {
      const head = await log.headOffset(partition);
      for (let waited = 0; (await eventProjection.position(partition)) < head; waited += pollMs) {
        if (waited >= catchUpTimeoutMs) {
          throw new TesseraError('TESSERA_ERR_UNAVAILABLE', 'the event store is behind the log, so the person\'s events cannot all be found yet; retry later', {
            retryAfterSeconds: 10,
          });
        }
        await sleep(pollMs);
      }
    }
  }
}

const erasureView = (record: ErasureRecord): ErasureView => ({
  ...record,
  mergedIds: [...record.mergedIds],
  identifierHashes: [...record.identifierHashes],
  at: new Date(record.at).toISOString(),
});
