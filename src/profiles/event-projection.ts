import type { StoredEvent } from '../contracts/index.js';
import {
  extractIdentifiers,
  fragmentKeyOf,
  identifierKey,
  type ErasedIdentifiers,
  type Identifier,
  type IdentityRules,
} from '../identity/index.js';
import type { Projection } from '../log/index.js';
import type { EventRow, EventStore, LogRecord, LoggedEvent } from '../store/index.js';

/** The log record as the event store keeps it. */
export function toStoredEvent({ offset, message }: LogRecord): StoredEvent {
  return {
    offset,
    messageId: message.messageId,
    sourceId: message.sourceId,
    channel: message.channel,
    type: message.type,
    event: message.event ?? message.name ?? null,
    category: message.category ?? null,
    userId: message.userId ?? null,
    anonymousId: message.anonymousId ?? null,
    groupId: message.groupId ?? null,
    previousId: message.previousId ?? null,
    properties: message.properties ?? {},
    traits: message.traits ?? {},
    context: message.context,
    timestamp: message.timestamp,
    originalTimestamp: message.originalTimestamp ?? null,
    sentAt: message.sentAt ?? null,
    receivedAt: message.receivedAt,
    violations: message.violations ?? [],
  };
}

/** The event as stored, tagged with its identity fragment so a person's timeline survives merges and splits. */
export function toEventRow(record: LogRecord, identifiers: readonly Identifier[]): EventRow {
  return { ...toStoredEvent(record), fragmentKey: identifiers.length > 0 ? fragmentKeyOf(identifiers) : null };
}

/** Projects every logged message into the event store, checkpointed in the same transaction. */
export class EventStoreProjection implements Projection {
  readonly name = 'event-store';
  readonly #store: EventStore;
  readonly #rules: IdentityRules;
  readonly #erased: Pick<ErasedIdentifiers, 'drops'>;

  constructor(store: EventStore, rules: IdentityRules, erased: Pick<ErasedIdentifiers, 'drops'>) {
    this.#store = store;
    this.#rules = rules;
    this.#erased = erased;
  }

  position(partition: number): Promise<number> {
    return this.#store.checkpoint(this.name, partition);
  }

  async apply(partition: number, records: readonly LogRecord[]): Promise<void> {
    const last = records.at(-1);
    if (last === undefined) return;
    const events: LoggedEvent[] = [];
    for (const record of records) {
      const identifiers = extractIdentifiers(record.message, this.#rules);
      // A message carrying an erased identifier must not bring its person back.
      if (this.#erased.drops(this.name, identifiers.map(identifierKey))) continue;
      // The store maps the message as toEventRow does, from its JSON text: where it can, off this thread.
      const fragmentKey = identifiers.length > 0 ? fragmentKeyOf(identifiers) : null;
      events.push({ offset: record.offset, fragmentKey, json: record.json ?? JSON.stringify(record.message) });
    }
    await this.#store.insertLogged(events, { consumer: this.name, partition, offset: last.offset });
  }
}
