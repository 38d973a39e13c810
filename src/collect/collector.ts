import {
  isMessageType,
  messageTypes,
  type CollectedMessage,
  type MessageType,
  type TrackingResponse,
} from '../contracts/index.js';
import { TesseraError, invalid, type FieldProblem } from '../lib/errors.js';
import type { AppendOutcome, EventLog, LogEntry, NewRejection, RejectionStore, SourceRecord, ViolationTally } from '../store/index.js';
import { trackingLimits } from './limits.js';
import { checkMessage, isIsoTimestamp } from './message-rules.js';
import { normalizeMessage, type BatchEnvelope, type ReceiveContext } from './normalize.js';
import { serializedSizeAtMost } from './size-bound.js';
import type { TrackingPlanService } from './tracking-plans.js';

export interface CollectorOptions {
  readonly log: EventLog;
  readonly rejections: RejectionStore;
  readonly plans: TrackingPlanService;
  /** Messages waiting for the log's fsync beyond which new requests get 429. */
  readonly maxInflightMessages: number;
  /** Told how many messages each tracking call brings, so that the stages after the log can yield to ingest. */
  readonly load?: { note(messages: number): void; settled(): void };
}

interface Sorted {
  readonly entries: LogEntry[];
  readonly rejections: NewRejection[];
  readonly rejected: TrackingResponse['rejections'] & object;
  readonly tallies: Map<string, ViolationTally>;
}

/** What became of a message built by Tessera (see collectBuilt). */
export type BuiltOutcome = AppendOutcome | { readonly kind: 'rejected'; readonly problems: FieldProblem[] };

const messageIdOf = (raw: unknown): string | null => {
  const id = (raw as { messageId?: unknown } | null)?.messageId;
  return typeof id === 'string' ? id : null;
};

/**
 * The tracking use case: checks each message, applies the source's tracking
 * plan, appends the good ones durably to the log (deduplicated per source and
 * messageId) and keeps every rejected one, with its reasons, in the rejection
 * store. Resolves only when all of that is on disk.
 */
export class Collector {
  readonly #options: CollectorOptions;
  #inflight = 0;

  constructor(options: CollectorOptions) {
    this.#options = options;
  }

  /** Messages accepted but not yet durable; the overload signal. */
  get inflight(): number {
    return this.#inflight;
  }

  /** One message from /v1/{type}: an invalid one is refused with a 400 (and kept as a rejection). */
  async collectOne(receive: ReceiveContext, type: MessageType, body: unknown): Promise<TrackingResponse> {
    const bodyType = (body as { type?: unknown } | null)?.type;
    if (bodyType !== undefined && bodyType !== type) {
      const problems = [{ field: 'type', rule: 'const', message: `must be "${type}" on /v1/${type}, got ${JSON.stringify(bodyType)}` }];
      await this.#keepRejections(receive, [{ raw: body, problems }]);
      throw invalid(problems);
    }
    const response = await this.#collect(receive, [{ type, raw: body, prefix: '' }], {});
    const [rejection] = response.rejections ?? [];
    if (rejection) throw invalid(rejection.problems);
    return response;
  }

  /**
   * A /v1/batch body: valid messages are accepted even when others in the
   * batch are not. `raw` is the JSON the body was parsed from, or only its size.
   */
  async collectBatch(receive: ReceiveContext, body: unknown, raw: Buffer | number): Promise<TrackingResponse> {
    const envelope = body as BatchEnvelope & { batch?: unknown };
    if (body === null || typeof body !== 'object' || !Array.isArray(envelope.batch)) {
      throw invalid([{ field: 'batch', rule: 'required', message: 'must be an array of messages' }]);
    }
    const batch: unknown[] = envelope.batch;
    if (batch.length > trackingLimits.maxBatchMessages) {
      throw new TesseraError(
        'TESSERA_ERR_PAYLOAD_TOO_LARGE',
        `batch has ${batch.length} messages; the limit is ${trackingLimits.maxBatchMessages} per request`,
      );
    }
    const envelopeProblems = checkEnvelope(envelope);
    if (envelopeProblems.length > 0) throw invalid(envelopeProblems);
    const sizeOf = messageSizer(typeof raw === 'number' ? raw : raw.length);
    const items = batch.map((message, index) => {
      const prefix = `batch[${index}].`;
      const type = (message as { type?: unknown } | null)?.type;
      return { type, raw: message, prefix, size: sizeOf(message) };
    });
    return this.#collect(receive, items, envelope);
  }

  /**
   * Messages Tessera built itself, from the rows of an import file: already in
   * the log's shape, so only the source's tracking plan checks them (a
   * blocked one is returned as rejected, for the import to report). Appended
   * durably and deduplicated like any other; one outcome per message, in order.
   */
  async collectBuilt(source: SourceRecord, messages: readonly CollectedMessage[]): Promise<BuiltOutcome[]> {
    const { maxInflightMessages } = this.#options;
    if (this.#inflight + messages.length > maxInflightMessages && this.#inflight > 0) {
      throw new TesseraError('TESSERA_ERR_OVERLOADED', 'Tessera is writing as fast as the disk allows; retry shortly', {
        retryAfterSeconds: 1,
      });
    }
    this.#inflight += messages.length;
    try {
      const plan = await this.#options.plans.checker(source.id);
      const receive = { source, receivedAt: 0 };
      const tallies = new Map<string, ViolationTally>();
      const outcomes: (BuiltOutcome | undefined)[] = [];
      const entries: LogEntry[] = [];
      for (let message of messages) {
        const violations = plan?.check(message) ?? [];
        if (violations.length > 0) {
          tally(tallies, { ...receive, receivedAt: Date.parse(message.receivedAt) }, message, violations);
          if (plan?.mode === 'block') {
            outcomes.push({ kind: 'rejected', problems: violations });
            continue;
          }
          message = { ...message, violations };
        }
        outcomes.push(undefined);
        entries.push({
          partitionKey: message.userId ?? message.anonymousId ?? message.messageId,
          dedupeKey: `${message.sourceId}:${message.messageId}`,
          message,
        });
      }
      const [appended] = await Promise.all([this.#options.log.append(entries), this.#options.plans.countViolations([...tallies.values()])]);
      let next = 0;
      return outcomes.map((outcome) => outcome ?? appended[next++]!);
    } finally {
      this.#inflight -= messages.length;
    }
  }

  async #collect(
    receive: ReceiveContext,
    items: readonly { type: unknown; raw: unknown; prefix: string; size?: number | undefined }[],
    envelope: BatchEnvelope,
  ): Promise<TrackingResponse> {
    const { maxInflightMessages } = this.#options;
    if (this.#inflight + items.length > maxInflightMessages && this.#inflight > 0) {
      throw new TesseraError('TESSERA_ERR_OVERLOADED', 'Tessera is writing as fast as the disk allows; retry shortly', {
        retryAfterSeconds: 1,
      });
    }
    this.#options.load?.note(items.length);
    this.#inflight += items.length;
    try {
      const sorted = await this.#sort(receive, items, envelope);
      const [outcomes] = await Promise.all([
        this.#options.log.append(sorted.entries),
        this.#options.rejections.add(sorted.rejections),
        this.#options.plans.countViolations([...sorted.tallies.values()]),
      ]);
      const duplicates = outcomes.filter((o) => o.kind === 'duplicate').length;
      return {
        success: true,
        accepted: outcomes.length - duplicates,
        duplicates,
        rejected: sorted.rejected.length,
        ...(sorted.rejected.length > 0 && { rejections: sorted.rejected }),
      };
    } finally {
      this.#inflight -= items.length;
      this.#options.load?.settled();
    }
  }

  async #sort(
    receive: ReceiveContext,
    items: readonly { type: unknown; raw: unknown; prefix: string; size?: number | undefined }[],
    envelope: BatchEnvelope,
  ): Promise<Sorted> {
    const plan = await this.#options.plans.checker(receive.source.id);
    const sorted: Sorted = { entries: [], rejections: [], rejected: [], tallies: new Map() };
    items.forEach(({ type, raw, prefix, size }, index) => {
      const reject = (problems: FieldProblem[]): void => {
        const messageId = messageIdOf(raw);
        sorted.rejections.push({ sourceId: receive.source.id, receivedAt: receive.receivedAt, messageId, problems, message: raw });
        sorted.rejected.push({ index, ...(messageId !== null && { messageId }), problems });
      };
      if (!isMessageType(type)) {
        const got = type === undefined ? 'nothing' : JSON.stringify(type);
        reject([{ field: `${prefix}type`, rule: 'enum', message: `must be one of ${messageTypes.join(', ')}; got ${got}` }]);
        return;
      }
      const checked = checkMessage(type, raw, prefix, size);
      if (!checked.ok) {
        reject(checked.problems);
        return;
      }
      let message = normalizeMessage(type, checked.message, envelope, receive);
      const violations = plan?.check(message) ?? [];
      if (violations.length > 0) {
        tally(sorted.tallies, receive, message, violations);
        if (plan?.mode === 'block') {
          reject(violations.map((v) => ({ ...v, field: `${prefix}${v.field}` })));
          return;
        }
        message = { ...message, violations };
      }
      sorted.entries.push({
        partitionKey: message.userId ?? message.anonymousId ?? message.messageId,
        dedupeKey: `${message.sourceId}:${message.messageId}`,
        message,
      });
    });
    return sorted;
  }

  async #keepRejections(receive: ReceiveContext, rejected: { raw: unknown; problems: FieldProblem[] }[]): Promise<void> {
    await this.#options.rejections.add(
      rejected.map(({ raw, problems }) => ({
        sourceId: receive.source.id,
        receivedAt: receive.receivedAt,
        messageId: messageIdOf(raw),
        problems,
        message: raw,
      })),
    );
  }
}

/**
 * Measures the messages of a batch that might exceed the per-message limit
 * (undefined for the others): none can when the whole body is within it, and
 * of the others only those a cheap bound cannot clear are serialized to be
 * measured.
 */
function messageSizer(bodyBytes: number): (message: unknown) => number | undefined {
  const limit = trackingLimits.maxMessageBytes;
  if (bodyBytes <= limit) return () => undefined;
  return (message) => (serializedSizeAtMost(message, limit) ? undefined : Buffer.byteLength(JSON.stringify(message) ?? ''));
}

function checkEnvelope(envelope: BatchEnvelope): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of ['context', 'integrations'] as const) {
    const value = envelope[field];
    if (value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value))) {
      problems.push({ field, rule: 'type', message: 'must be an object' });
    }
  }
  if (envelope.sentAt !== undefined && envelope.sentAt !== null && (typeof envelope.sentAt !== 'string' || !isIsoTimestamp(envelope.sentAt))) {
    problems.push({ field: 'sentAt', rule: 'format', message: 'must be an ISO-8601 timestamp' });
  }
  return problems;
}

function tally(
  tallies: Map<string, ViolationTally>,
  receive: ReceiveContext,
  message: CollectedMessage,
  violations: readonly FieldProblem[],
): void {
  const event = message.type === 'track' ? (message.event ?? null) : null;
  const key = `${message.type}\u0000${event ?? ''}`;
  const [problem] = violations;
  if (problem === undefined) return;
  const existing = tallies.get(key);
  tallies.set(key, {
    sourceId: receive.source.id,
    type: message.type,
    event,
    count: (existing?.count ?? 0) + 1,
    at: receive.receivedAt,
    problem,
  });
}
