/**
 * Import mappings: checked once (beyond their schema) and compiled into a
 * function that turns a file record into identify and track messages, or
 * into the reason it cannot be.
 *
 * Identifiers go where the identity rules read them, so that an imported row
 * links exactly as a live call carrying the same values would: user_id as
 * `userId`, anonymous_id as `anonymousId`, email and phone under `traits` of
 * an identify call and `context.traits` of a track call, and a custom type
 * (declared in identity.custom) at the first of its `from` paths that the
 * message has (`traits.*` or `context.*` for identify; `properties.*` or
 * `context.*` for track). A second column of one type takes that type's next
 * path. A type the rules do not read from such a message is refused with the
 * paths to add.
 */
import type { Channel, CollectedMessage, ImportMapping, ImportValueType } from '../contracts/index.js';
import type { FieldProblem } from '../lib/errors.js';
import { err, ok, type Result } from '../lib/result.js';
import { compileDateFormat, type DateFormat } from './date-format.js';
import type { RecordValues } from './import-readers.js';
import { maxReserializedGrowth } from './reserialized-growth.js';
import { trackingLimits } from './limits.js';

/** Where the identity rules read a type's values (`['traits', 'email']`...), or undefined for a type they do not know. */
export type IdentifierPaths = (type: string) => readonly (readonly string[])[] | undefined;

type MessageKind = 'identify' | 'track';

/** Roots of the paths each kind of message can carry an identifier at. */
const rootsFor: Record<MessageKind, ReadonlySet<string>> = {
  identify: new Set(['userId', 'anonymousId', 'traits', 'context']),
  track: new Set(['userId', 'anonymousId', 'properties', 'context']),
};
const topLevelIds = new Set(['userId', 'anonymousId']);

/** What a row needs to become messages; the same for every row of an upload. */
export interface RowContext {
  readonly importId: string;
  readonly sourceId: string;
  readonly channel: Channel;
  readonly messageIdPrefix: string;
  /** When the batch was received (ms). */
  readonly receivedAt: number;
  /** The event time of rows whose mapping names none: the import's creation (ISO). */
  readonly defaultTimestamp: string;
  /** CSV and TSV cells are text (a json cell is parsed); NDJSON and JSON values are already typed. */
  readonly textCells: boolean;
}

export type RowConversion =
  | { readonly ok: true; readonly messages: CollectedMessage[] }
  | { readonly ok: false; readonly column: string | null; readonly reason: string };

export interface CompiledMapping {
  readonly mapping: ImportMapping;
  /** Every column the mapping reads, once each. */
  readonly columns: readonly string[];
  convert(values: RecordValues, line: number, bytes: number, context: RowContext): RowConversion;
}

interface Field {
  readonly column: string;
  readonly name: string;
  readonly type: ImportValueType;
  readonly format: DateFormat | undefined;
}

interface Placed {
  readonly column: string;
  readonly type: string;
  readonly identify: readonly string[] | undefined;
  readonly track: readonly string[] | undefined;
}

/** Boolean cells: these words, any case. */
const trueWords = new Set(['true', 't', 'yes', 'y', '1', 'on']);
const falseWords = new Set(['false', 'f', 'no', 'n', '0', 'off']);
/** More than the fields a message has besides the row's values (ids, context, times) take. */
const messageOverheadBytes = 2048;
const numberShape = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Lines are zero-padded in messageIds so that ids sort in file order (survivorship breaks time ties by messageId). */
export const messageIdOf = (prefix: string, line: number, kind: MessageKind): string => `${prefix}${String(line).padStart(9, '0')}:${kind}`;

/**
 * Checks what the schema cannot: exactly one of event.name and
 * event.nameColumn, date formats that parse, identifier types the identity
 * rules know and can read from the messages made, no two values aimed at one
 * place. Problems name the mapping field, e.g. `traits[2].format`.
 */
export function compileMapping(mapping: ImportMapping, identifierPaths: IdentifierPaths, prefix = 'mapping.'): Result<CompiledMapping, FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const problem = (field: string, rule: string, message: string) => problems.push({ field: `${prefix}${field}`, rule, message });
  const { event } = mapping;
  const kinds: MessageKind[] = [];
  if (event === undefined || (mapping.traits ?? []).length > 0) kinds.push('identify');
  if (event !== undefined) kinds.push('track');
  if (event !== undefined && (event.name === undefined) === (event.nameColumn === undefined)) {
    problem('event', 'oneOf', 'give exactly one of name (the same event for every row) and nameColumn (the column holding it)');
  }

  const placed = placeIdentifiers(mapping, identifierPaths, kinds, problem);
  const fields = (list: typeof mapping.traits, key: 'traits' | 'event.properties'): Field[] =>
    (list ?? []).map((entry, i) => {
      const named = 'trait' in entry ? entry.trait : 'property' in entry ? entry.property : undefined;
      const name = typeof named === 'string' ? named : entry.column;
      const type = entry.type ?? 'string';
      let format: DateFormat | undefined;
      if (entry.format !== undefined && type !== 'date') problem(`${key}[${i}].format`, 'type', `a format is for type date; this column is ${type}`);
      if (type === 'date') {
        const compiled = compileDateFormat(entry.format ?? 'iso');
        if (compiled.ok) format = compiled.value;
        else problem(`${key}[${i}].format`, 'format', compiled.error);
      }
      if (name === '__proto__') problem(`${key}[${i}]`, 'name', '__proto__ cannot be a name');
      return { column: entry.column, name, type, format };
    });
  const traits = fields(mapping.traits, 'traits');
  const properties = fields(event?.properties, 'event.properties');
  checkUnique(traits, 'traits', 'trait', placed, 'identify', problem);
  checkUnique(properties, 'event.properties', 'property', placed, 'track', problem);

  const timestampFormat = (entry: { format?: string | undefined } | undefined, field: string): DateFormat | undefined => {
    if (entry === undefined) return undefined;
    const compiled = compileDateFormat(entry.format ?? 'iso');
    if (!compiled.ok) problem(`${field}.format`, 'format', compiled.error);
    return compiled.ok ? compiled.value : undefined;
  };
  const identifyTime = timestampFormat(mapping.timestamp, 'timestamp');
  const eventTime = timestampFormat(event?.timestamp, 'event.timestamp');
  if (problems.length > 0) return err(problems);

  const columns = new Set<string>([
    ...placed.map((p) => p.column),
    ...traits.map((t) => t.column),
    ...properties.map((p) => p.column),
    ...(mapping.timestamp ? [mapping.timestamp.column] : []),
    ...(event?.nameColumn !== undefined ? [event.nameColumn] : []),
    ...(event?.timestamp ? [event.timestamp.column] : []),
  ]);
  const plan: Plan = {
    identify: kinds.includes('identify'),
    event,
    placed,
    traits,
    properties,
    identifyTime: identifyTime && mapping.timestamp ? { column: mapping.timestamp.column, format: identifyTime } : undefined,
    eventTime: eventTime && event?.timestamp ? { column: event.timestamp.column, format: eventTime } : undefined,
  };
  return ok({ mapping, columns: [...columns], convert: (values, line, bytes, context) => convertRow(plan, values, line, bytes, context) });
}

/** Assigns each identifier column a place in each kind of message made; problems for those without one. */
function placeIdentifiers(
  mapping: ImportMapping,
  identifierPaths: IdentifierPaths,
  kinds: readonly MessageKind[],
  problem: (field: string, rule: string, message: string) => void,
): Placed[] {
  const taken = new Map<MessageKind, Set<string>>(kinds.map((k) => [k, new Set()]));
  return mapping.identifiers.map(({ column, type }, i) => {
    const paths = identifierPaths(type);
    if (paths === undefined) {
      problem(`identifiers[${i}].type`, 'enum', `"${type}" is not an identifier type; declare it in identity.custom of the Tessera config (TESSERA_CONFIG) with the paths it is read from`);
      return { column, type, identify: undefined, track: undefined };
    }
    const place = (kind: MessageKind): readonly string[] | undefined => {
      if (!kinds.includes(kind)) return undefined;
      const used = taken.get(kind)!;
      const usable = paths.filter((p) => rootsFor[kind].has(p[0] ?? '') && (topLevelIds.has(p[0] ?? '') ? p.length === 1 : p.length > 1));
      const free = usable.find((p) => !used.has(p.join('.')));
      if (free === undefined) {
        const where = usable.length === 0 ? 'nowhere' : `only at ${usable.map((p) => p.join('.')).join(', ')}, already taken by another column`;
        problem(
          `identifiers[${i}].type`,
          'placement',
          `a ${kind} message made from a row can carry ${type} ${where}; the identity rules read ${type} from ${paths.map((p) => p.join('.')).join(', ') || 'no path'} (add a ${kind === 'identify' ? 'traits.* or context.traits.*' : 'properties.* or context.traits.*'} path to its "from" in identity.custom)`,
        );
        return undefined;
      }
      used.add(free.join('.'));
      return free;
    };
    return { column, type, identify: place('identify'), track: place('track') };
  });
}

function checkUnique(
  fields: readonly Field[],
  key: string,
  noun: string,
  placed: readonly Placed[],
  kind: MessageKind,
  problem: (field: string, rule: string, message: string) => void,
): void {
  const root = kind === 'identify' ? 'traits' : 'properties';
  const seen = new Map<string, number>();
  fields.forEach((field, i) => {
    const before = seen.get(field.name);
    if (before !== undefined) problem(`${key}[${i}]`, 'unique', `${noun} "${field.name}" is already mapped by ${key}[${before}]`);
    seen.set(field.name, i);
    const identifier = placed.find((p) => p[kind]?.length === 2 && p[kind][0] === root && p[kind][1] === field.name);
    if (identifier !== undefined && identifier.column !== field.column) {
      problem(`${key}[${i}]`, 'unique', `${root}.${field.name} is where the ${identifier.type} from column "${identifier.column}" goes; map it once`);
    }
  });
}

interface Plan {
  readonly identify: boolean;
  readonly event: ImportMapping['event'];
  readonly placed: readonly Placed[];
  readonly traits: readonly Field[];
  readonly properties: readonly Field[];
  readonly identifyTime: { readonly column: string; readonly format: DateFormat } | undefined;
  readonly eventTime: { readonly column: string; readonly format: DateFormat } | undefined;
}

type Converted = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };
const absent: Converted = { ok: true, value: undefined };

/** A cell as text: trimmed strings, numbers and booleans written out; undefined when empty or not a scalar. */
function scalarText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' && Number.isFinite(raw)) return Number.isInteger(raw) && Math.abs(raw) >= 1e21 ? BigInt(raw).toString() : String(raw);
  if (typeof raw === 'boolean') return String(raw);
  return undefined;
}

/** One cell converted to its mapped type; empty cells and nulls are absent (they set nothing). */
function convertValue(raw: unknown, type: ImportValueType, format: DateFormat | undefined, textCells: boolean): Converted {
  if (raw === undefined || raw === null) return absent;
  if (typeof raw === 'string' && raw.trim() === '') return absent;
  const isComposite = typeof raw === 'object';
  switch (type) {
    case 'string':
      if (isComposite) return { ok: false, reason: 'is an object or array; map it with type json' };
      return { ok: true, value: scalarText(raw) };
    case 'number': {
      if (typeof raw === 'number') return Number.isFinite(raw) ? { ok: true, value: raw } : { ok: false, reason: 'is not a finite number' };
      const text = typeof raw === 'string' ? raw.trim() : undefined;
      if (text === undefined || !numberShape.test(text)) return { ok: false, reason: `${describe(raw)} is not a number (digits, an optional . and exponent, no thousands separators)` };
      const n = Number(text);
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, reason: `${describe(raw)} is out of range` };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      const text = scalarText(raw)?.toLowerCase();
      if (text !== undefined && trueWords.has(text)) return { ok: true, value: true };
      if (text !== undefined && falseWords.has(text)) return { ok: true, value: false };
      return { ok: false, reason: `${describe(raw)} is not a boolean (true/false, yes/no, y/n, 1/0, on/off)` };
    }
    case 'date': {
      if ((typeof raw !== 'string' && typeof raw !== 'number') || format === undefined) return { ok: false, reason: `${describe(raw)} is not a date` };
      const parsed = format.parse(typeof raw === 'string' ? raw.trim() : raw);
      if (!parsed.ok) return { ok: false, reason: `${parsed.error} (format ${format.text})` };
      return { ok: true, value: parsed.value.date ?? new Date(parsed.value.ms).toISOString() };
    }
    case 'json':
      if (!textCells || typeof raw !== 'string') return { ok: true, value: raw };
      try {
        return { ok: true, value: JSON.parse(raw) as unknown };
      } catch (error) {
        return { ok: false, reason: `is not valid JSON: ${(error as Error).message}` };
      }
  }
}

const describe = (raw: unknown): string => {
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw);
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
};

/** An ISO-8601 instant from a cell, or why not; years outside 1000-9999 are refused as event times. */
function readTime(values: RecordValues, time: NonNullable<Plan['identifyTime']>): Result<string, { column: string; reason: string }> {
  const raw = values.get(time.column);
  const text = typeof raw === 'string' ? raw.trim() : raw;
  if (text === undefined || text === null || text === '') return err({ column: time.column, reason: `${time.column}: is empty; the row's time is needed` });
  if (typeof text !== 'string' && typeof text !== 'number') return err({ column: time.column, reason: `${time.column}: ${describe(raw)} is not a time` });
  const parsed = time.format.parse(text);
  if (!parsed.ok) return err({ column: time.column, reason: `${time.column}: ${parsed.error} (format ${time.format.text})` });
  const iso = new Date(parsed.value.ms).toISOString();
  if (!/^[1-9]\d{3}-/.test(iso)) return err({ column: time.column, reason: `${time.column}: ${describe(raw)} is not a plausible time (year ${iso.slice(0, iso.indexOf('-', 1))})` });
  return ok(iso);
}

/** Sets `value` at `path` of `target`, creating objects on the way. */
function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next !== null && typeof next === 'object' && !Array.isArray(next)) node = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  }
  node[path.at(-1)!] = value;
}

function convertRow(plan: Plan, values: RecordValues, line: number, bytes: number, context: RowContext): RowConversion {
  const reasons: { column: string; reason: string }[] = [];
  const identifiers: { placed: Placed; value: string }[] = [];
  for (const placed of plan.placed) {
    const raw = values.get(placed.column);
    if (raw !== null && typeof raw === 'object') {
      reasons.push({ column: placed.column, reason: `${placed.column}: an identifier must be text or a number, not ${Array.isArray(raw) ? 'an array' : 'an object'}` });
      continue;
    }
    const text = scalarText(raw);
    if (text !== undefined && text !== '') identifiers.push({ placed, value: text });
  }
  const typed = (fields: readonly Field[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      const converted = convertValue(values.get(field.column), field.type, field.format, context.textCells);
      if (!converted.ok) reasons.push({ column: field.column, reason: `${field.column}: ${converted.reason}` });
      else if (converted.value !== undefined) out[field.name] = converted.value;
    }
    return out;
  };
  const traits = typed(plan.traits);
  const properties = typed(plan.properties);

  const { event } = plan;
  let eventName: string | undefined;
  if (event !== undefined) {
    if (event.name !== undefined) eventName = event.name;
    else if (event.nameColumn !== undefined) {
      const raw = values.get(event.nameColumn);
      const text = scalarText(raw);
      if (raw !== undefined && raw !== null && text === undefined) reasons.push({ column: event.nameColumn, reason: `${event.nameColumn}: the event name must be text` });
      else if (text !== undefined && text !== '') {
        if (text.length > 1024) reasons.push({ column: event.nameColumn, reason: `${event.nameColumn}: the event name is longer than 1024 characters` });
        else eventName = text;
      }
    }
  }
  const makesTrack = eventName !== undefined;
  const eventTime = makesTrack && plan.eventTime ? readTime(values, plan.eventTime) : undefined;
  if (eventTime && !eventTime.ok) reasons.push(eventTime.error);
  const makesIdentify = plan.identify;
  const identifyTime = makesIdentify && plan.identifyTime ? readTime(values, plan.identifyTime) : undefined;
  if (identifyTime && !identifyTime.ok) reasons.push(identifyTime.error);

  if (identifiers.length === 0 && reasons.length === 0) {
    return { ok: false, column: null, reason: `no identifier: ${plan.placed.map((p) => p.column).join(', ')} ${plan.placed.length === 1 ? 'is' : 'are all'} empty` };
  }
  if (!makesTrack && !makesIdentify && reasons.length === 0) {
    return { ok: false, column: event?.nameColumn ?? null, reason: `${event?.nameColumn ?? 'event name'}: is empty, and the mapping has no traits: the row says nothing` };
  }
  const [first] = reasons;
  if (first !== undefined) return { ok: false, column: first.column, reason: reasons.map((r) => r.reason).join('; ') };

  const messages: CollectedMessage[] = [];
  const receivedAt = new Date(context.receivedAt).toISOString();
  const base = (kind: MessageKind, timestamp: string) => {
    const message: Record<string, unknown> = {
      v: 1,
      messageId: messageIdOf(context.messageIdPrefix, line, kind),
      type: kind,
      sourceId: context.sourceId,
      channel: context.channel,
      context: { library: { name: 'tessera-import', version: '1' }, import: { id: context.importId, line } },
      timestamp,
      receivedAt,
    };
    for (const { placed, value } of identifiers) {
      const path = placed[kind];
      if (path !== undefined) setAt(message, path, value);
    }
    return message;
  };
  const eventTimestamp = eventTime?.ok === true ? eventTime.value : undefined;
  if (makesIdentify) {
    const timestamp = (identifyTime?.ok === true ? identifyTime.value : undefined) ?? eventTimestamp ?? context.defaultTimestamp;
    const message = base('identify', timestamp);
    message.traits = { ...(message.traits as Record<string, unknown> | undefined), ...traits };
    messages.push(message as unknown as CollectedMessage);
  }
  if (makesTrack) {
    const message = base('track', eventTimestamp ?? context.defaultTimestamp);
    message.event = eventName;
    message.properties = { ...(message.properties as Record<string, unknown> | undefined), ...properties };
    messages.push(message as unknown as CollectedMessage);
  }
  // Only a long record can make a message over the limit (see maxReserializedGrowth); only those are measured.
  if (bytes * maxReserializedGrowth + messageOverheadBytes > trackingLimits.maxMessageBytes) {
    for (const message of messages) {
      const size = Buffer.byteLength(JSON.stringify(message));
      if (size > trackingLimits.maxMessageBytes) {
        return { ok: false, column: null, reason: `makes a ${message.type} message of ${size} bytes; the limit is ${trackingLimits.maxMessageBytes} bytes (32 KB)` };
      }
    }
  }
  return { ok: true, messages };
}
