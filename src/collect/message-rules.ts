import { messageSchemas, messageTypes, type IncomingMessage, type MessageType } from '../contracts/index.js';
import type { FieldProblem } from '../lib/errors.js';
import { compileValidator } from '../lib/validator.js';
import { trackingLimits } from './limits.js';

const validators = Object.fromEntries(messageTypes.map((t) => [t, compileValidator(messageSchemas[t])])) as {
  [T in MessageType]: ReturnType<typeof compileValidator<(typeof messageSchemas)[T]>>;
};

const present = (value: unknown): boolean =>
  (typeof value === 'string' && value.trim() !== '') || typeof value === 'number';

const isoShape = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;
/** True for ISO-8601 dates and date-times that name a real instant. */
export const isIsoTimestamp = (value: string): boolean => isoShape.test(value) && !Number.isNaN(Date.parse(value));

export type CheckedMessage = { readonly ok: true; readonly message: IncomingMessage } | { readonly ok: false; readonly problems: FieldProblem[] };

/**
 * Checks one message against the Tracking API rules: its shape for `type`,
 * who it is about (userId or anonymousId; alias needs userId and previousId),
 * timestamps that parse, and the 32 KB size limit. `prefix` locates fields in
 * a batch, e.g. `batch[3].`.
 */
export function checkMessage(type: MessageType, raw: unknown, prefix: string, sizeBytes?: number): CheckedMessage {
  const problems: FieldProblem[] = [];
  if (sizeBytes !== undefined && sizeBytes > trackingLimits.maxMessageBytes) {
    problems.push({
      field: prefix.replace(/\.$/, '') || '(message)',
      rule: 'maxSize',
      message: `message is ${sizeBytes} bytes; the limit is ${trackingLimits.maxMessageBytes} bytes (32 KB)`,
    });
    return { ok: false, problems };
  }
  const shape = validators[type](raw, prefix);
  if (!shape.ok) return { ok: false, problems: shape.error };
  const message = shape.value;

  if (type === 'alias') {
    if (!present(message.userId)) {
      problems.push({ field: `${prefix}userId`, rule: 'required', message: 'alias needs userId (the id to link previousId to)' });
    }
    if (!present((message as { previousId?: unknown }).previousId)) {
      problems.push({ field: `${prefix}previousId`, rule: 'required', message: 'alias needs a non-empty previousId' });
    }
  } else if (!present(message.userId) && !present(message.anonymousId)) {
    problems.push({ field: `${prefix}userId`, rule: 'required', message: 'userId or anonymousId is required' });
  }
  if (type === 'group' && !present((message as { groupId?: unknown }).groupId)) {
    problems.push({ field: `${prefix}groupId`, rule: 'required', message: 'group needs a non-empty groupId' });
  }
  for (const field of ['timestamp', 'originalTimestamp', 'sentAt'] as const) {
    const value = message[field];
    if (typeof value === 'string' && !isIsoTimestamp(value)) {
      problems.push({ field: `${prefix}${field}`, rule: 'format', message: `must be an ISO-8601 timestamp, got "${value.slice(0, 40)}"` });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, message };
}
