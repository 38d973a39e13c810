import { internalContextKey, type CollectedMessage, type IncomingMessage, type MessageType } from '../contracts/index.js';
import { newMessageId } from '../lib/ids.js';
import type { SourceRecord } from '../store/index.js';
import { correctTimestamps } from './timestamps.js';

/** What a /v1/batch body carries for all its messages. */
export interface BatchEnvelope {
  readonly context?: Record<string, unknown> | null | undefined;
  readonly integrations?: Record<string, unknown> | null | undefined;
  readonly sentAt?: string | null | undefined;
}

export interface ReceiveContext {
  readonly source: SourceRecord;
  readonly receivedAt: number;
  /** The client's IP, recorded as `context.ip` when the message does not carry one. */
  readonly ip?: string | undefined;
}

/** Ids become strings; null, missing and blank ids are absent. */
const idOf = (value: unknown): string | undefined => {
  const id = typeof value === 'number' ? String(value) : value;
  return typeof id === 'string' && id.trim() !== '' ? id : undefined;
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const textOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const objectOf = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/**
 * Turns a validated incoming message into the log's message shape: ids as
 * strings, batch context and integrations merged in (the message's own keys
 * win), a messageId when it had none, and clock skew corrected.
 */
export function normalizeMessage(
  type: MessageType,
  incoming: IncomingMessage,
  envelope: BatchEnvelope,
  receive: ReceiveContext,
): CollectedMessage {
  const fields = incoming as Record<string, unknown>;
  const context: Record<string, unknown> = { ...envelope.context, ...objectOf(fields.context) };
  delete context[internalContextKey];
  if (receive.ip !== undefined && context.ip === undefined) context.ip = receive.ip;
  const integrations = objectOf(fields.integrations) ?? envelope.integrations ?? undefined;
  const times = correctTimestamps(
    {
      // Segment SDKs send the event time as `timestamp`; RudderStack's send `originalTimestamp` (the
      // call time) and, when the app backdates an event, `timestamp` too: the app's time wins.
      originalTimestamp: textOf(fields.timestamp) ?? textOf(fields.originalTimestamp),
      sentAt: textOf(fields.sentAt) ?? envelope.sentAt ?? undefined,
    },
    receive.receivedAt,
  );
  // Built field by field, in the order the log has always stored them, with absent fields left out.
  const message: Mutable<CollectedMessage> = {
    v: 1,
    messageId: textOf(fields.messageId) ?? newMessageId(),
    type,
    sourceId: receive.source.id,
    channel: receive.source.channel,
    context,
    ...times,
  };
  const userId = idOf(fields.userId);
  if (userId !== undefined) message.userId = userId;
  const anonymousId = idOf(fields.anonymousId);
  if (anonymousId !== undefined) message.anonymousId = anonymousId;
  const groupId = idOf(fields.groupId);
  if (groupId !== undefined) message.groupId = groupId;
  const previousId = idOf(fields.previousId);
  if (previousId !== undefined) message.previousId = previousId;
  const event = textOf(fields.event);
  if (event !== undefined) message.event = event;
  const name = textOf(fields.name);
  if (name !== undefined) message.name = name;
  const category = textOf(fields.category);
  if (category !== undefined) message.category = category;
  const properties = objectOf(fields.properties);
  if (properties !== undefined) message.properties = properties;
  const traits = objectOf(fields.traits);
  if (traits !== undefined) message.traits = traits;
  if (integrations !== undefined) message.integrations = { ...envelope.integrations, ...integrations };
  return message;
}
