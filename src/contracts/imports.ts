/**
 * File imports: a mapping that says how the rows of a CSV, TSV, NDJSON or
 * JSON-array file become identify and track messages, and the import resource
 * that reports how a file's rows fared.
 */
import Type, { type Static } from 'typebox';
import { IsoTimestamp } from './common.js';

export const importFormats = ['csv', 'tsv', 'ndjson', 'json'] as const;
export type ImportFormat = (typeof importFormats)[number];
export const ImportFormat = Type.Enum(importFormats, { description: `One of: ${importFormats.join(', ')}` });

/** What a cell becomes; `json` passes JSON values through (a CSV cell is parsed as JSON). */
export const importValueTypes = ['string', 'number', 'boolean', 'date', 'json'] as const;
export type ImportValueType = (typeof importValueTypes)[number];

const columnText =
  'A header name of a CSV/TSV file, or a key of the NDJSON/JSON objects (a dotted path reaches into nested objects)';
const Column = (description = columnText) => Type.String({ minLength: 1, maxLength: 200, description });

/** A trait or property name; `__proto__` would not survive a JSON round trip as a key. */
const Name = (description: string) => Type.String({ minLength: 1, maxLength: 200, pattern: '^(?!__proto__$)', description });

const dateFormatText =
  'iso (ISO-8601 date or date-time, the default), unix (seconds), unix_ms, or a pattern of YYYY YY MM M DD D HH H hh h mm ss SSS A Z ' +
  'with other characters literal and [text] escaped, e.g. DD/MM/YYYY, MM/DD/YY, YYYY-MM-DD HH:mm:ss';
export const DateFormatText = (description = dateFormatText) =>
  Type.String({ minLength: 1, maxLength: 64, description, examples: ['DD/MM/YYYY', 'YYYY-MM-DD', 'MM/DD/YY', 'MM/DD/YYYY h:mm A'] });

const valueType = Type.Optional(
  Type.Enum(importValueTypes, { description: 'string (default), number, boolean, date (with format) or json' }),
);
const valueFormat = Type.Optional(DateFormatText(`For type date: ${dateFormatText}`));

export const ImportIdentifierMapping = Type.Object(
  {
    column: Column(),
    type: Type.String({
      pattern: '^[a-z][a-z0-9_]{0,63}$',
      description: 'user_id, email, phone, anonymous_id, device_id, advertising_id, or a custom type declared in identity.custom',
    }),
  },
  { additionalProperties: false },
);
export type ImportIdentifierMapping = Static<typeof ImportIdentifierMapping>;

export const ImportTraitMapping = Type.Object(
  {
    column: Column(),
    trait: Type.Optional(Name('The trait name; the column name when absent')),
    type: valueType,
    format: valueFormat,
  },
  { additionalProperties: false },
);
export type ImportTraitMapping = Static<typeof ImportTraitMapping>;

export const ImportPropertyMapping = Type.Object(
  {
    column: Column(),
    property: Type.Optional(Name('The property name; the column name when absent')),
    type: valueType,
    format: valueFormat,
  },
  { additionalProperties: false },
);
export type ImportPropertyMapping = Static<typeof ImportPropertyMapping>;

const timestampMapping = (description: string) =>
  Type.Object({ column: Column(), format: Type.Optional(DateFormatText()) }, { additionalProperties: false, description });
export const ImportTimestampMapping = timestampMapping('The column holding the event time; times without an offset are UTC');
export type ImportTimestampMapping = Static<typeof ImportTimestampMapping>;

export const ImportEventMapping = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'The same event name for every row' })),
    nameColumn: Type.Optional(Column('The column holding each row\'s event name; a row where it is empty is no event')),
    timestamp: Type.Optional(ImportTimestampMapping),
    properties: Type.Optional(Type.Array(ImportPropertyMapping, { maxItems: 500 })),
  },
  { additionalProperties: false, description: 'Rows become track calls; give exactly one of name and nameColumn' },
);
export type ImportEventMapping = Static<typeof ImportEventMapping>;

export const ImportMapping = Type.Object(
  {
    version: Type.Optional(Type.Literal(1)),
    identifiers: Type.Array(ImportIdentifierMapping, { minItems: 1, maxItems: 50 }),
    traits: Type.Optional(Type.Array(ImportTraitMapping, { maxItems: 500 })),
    timestamp: Type.Optional(
      timestampMapping('When the traits were true (identify calls); else the event time of the row, else the import\'s creation'),
    ),
    event: Type.Optional(ImportEventMapping),
  },
  {
    additionalProperties: false,
    description:
      'How rows become messages: an identify call per row (its identifiers and traits) unless only an event is mapped, ' +
      'and a track call per row when an event is mapped',
  },
);
export type ImportMapping = Static<typeof ImportMapping>;

export const ImportCreate = Type.Object(
  {
    sourceId: Type.String({ minLength: 1, description: 'The source the messages come from (any channel; `import` is meant for this)' }),
    format: ImportFormat,
    mapping: ImportMapping,
    fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Shown in listings' })),
    fileKey: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9._:-]{1,100}$',
        description:
          'Names the file\'s content (the CLI sends sha256-<hex> of it): rows get messageIds from the source, the file key and their ' +
          'line, so importing the same file again stores nothing twice (within the dedupe window). Default: the import id',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ImportCreate = Static<typeof ImportCreate>;

export const importStatuses = ['created', 'receiving', 'interrupted', 'completed', 'failed'] as const;
export type ImportStatus = (typeof importStatuses)[number];

const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const Import = Type.Object({
  id: Type.String(),
  sourceId: Type.String(),
  format: ImportFormat,
  fileName: Type.Union([Type.String(), Type.Null()]),
  fileKey: Type.Union([Type.String(), Type.Null()]),
  messageIdPrefix: Type.String({ description: 'Every message of this file starts its messageId with it (lineage shows messageIds)' }),
  mapping: ImportMapping,
  status: Type.Enum(importStatuses, {
    description: 'created; receiving (data arriving); interrupted (resume with PUT .../data?offset=committed.offset); completed; failed (see error)',
  }),
  columns: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'The CSV/TSV header, once read' }),
  rows: Type.Object({
    read: Count('Rows read (not the header or blank lines)'),
    accepted: Count('Rows turned into messages that are in the log'),
    duplicates: Count('Accepted rows whose messages were already stored by an earlier run'),
    rejected: Count('Rows refused; see /rejects'),
  }),
  messages: Count('Messages newly stored in the log'),
  committed: Type.Object(
    {
      line: Count('The last line of the file acknowledged: its rows are durable (or rejected)'),
      offset: Count('The byte offset just after that line: where an interrupted upload resumes'),
    },
    { description: 'How far the file has been durably taken in' },
  ),
  profiles: Type.Object(
    {
      pending: Type.Boolean({ description: 'True until the import is complete and the unify stage has applied all its messages' }),
      created: Type.Union([Count('Profiles the file brought in: created since the import began, holding a fragment first carried by its rows'), Type.Null()]),
      merged: Type.Union([Count('Profile merges this file\'s rows caused'), Type.Null()]),
    },
    { description: 'What the import did to the identity graph, once known' },
  ),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
  completedAt: Type.Union([IsoTimestamp, Type.Null()]),
});
export type Import = Static<typeof Import>;

export const ImportIdParams = Type.Object({ id: Type.String({ minLength: 1 }) });

export const ImportsQuery = Type.Object({
  sourceId: Type.Optional(Type.String({ minLength: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});
export type ImportsQuery = Static<typeof ImportsQuery>;

export const ImportList = Type.Object({ imports: Type.Array(Import, { description: 'Newest first' }) });

export const ImportDataQuery = Type.Object({
  offset: Type.Optional(
    Type.Integer({
      minimum: 0,
      default: 0,
      description: 'Where in the file the body starts: 0, or committed.offset to resume an interrupted upload',
    }),
  ),
});
export type ImportDataQuery = Static<typeof ImportDataQuery>;

export const ImportReject = Type.Object({
  line: Type.Integer({ description: 'The line of the file where the row starts; a CSV header is line 1' }),
  column: Type.Union([Type.String(), Type.Null()], { description: 'The column at fault, when one is' }),
  reason: Type.String(),
  record: Type.String({ description: 'The row as it is in the file (at most 4 KB of it)' }),
});
export type ImportReject = Static<typeof ImportReject>;

export const ImportRejectsQuery = Type.Object({
  afterLine: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Only rejects of later lines: pass the last line seen' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
});
export type ImportRejectsQuery = Static<typeof ImportRejectsQuery>;

export const ImportRejectsPage = Type.Object({
  rejects: Type.Array(ImportReject, { description: 'In line order' }),
  nextAfterLine: Type.Union([Type.Integer(), Type.Null()], { description: 'afterLine for the next page; null on the last' }),
});
export type ImportRejectsPage = Static<typeof ImportRejectsPage>;
