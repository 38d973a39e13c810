/**
 * The global suppression list: identifiers that must never be contacted,
 * whatever their consent says, with the reason why.
 */
import Type, { type Static } from 'typebox';
import { IsoTimestamp, PageQuery } from './common.js';

export const suppressionReasons = ['unsubscribed', 'bounced', 'complained', 'deceased', 'legal', 'manual'] as const;
export type SuppressionReason = (typeof suppressionReasons)[number];
export const SuppressionReason = Type.Enum(suppressionReasons);
export const isSuppressionReason = (value: unknown): value is SuppressionReason =>
  typeof value === 'string' && (suppressionReasons as readonly string[]).includes(value);

const IdentifierKeyText = Type.String({
  minLength: 3,
  maxLength: 1100,
  description: 'type:value, e.g. email:jane@example.com; normalized as profile lookups do (case, E.164...)',
});
const Note = Type.String({ maxLength: 1000, description: 'Free text for whoever reads the list later' });

export const Suppression = Type.Object({
  identifier: Type.String({ description: 'type:value, normalized' }),
  type: Type.String(),
  value: Type.String(),
  reason: SuppressionReason,
  note: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoTimestamp,
});
export type Suppression = Static<typeof Suppression>;

export const SuppressionInput = Type.Object(
  { identifier: IdentifierKeyText, reason: SuppressionReason, note: Type.Optional(Note) },
  { additionalProperties: false },
);
export type SuppressionInput = Static<typeof SuppressionInput>;

/** One entry, or many under `suppressions`; an identifier already listed takes the new reason, note and time. */
export const SuppressionCreate = Type.Union([
  SuppressionInput,
  Type.Object(
    { suppressions: Type.Array(SuppressionInput, { minItems: 1, maxItems: 1000 }) },
    { additionalProperties: false },
  ),
]);
export type SuppressionCreate = Static<typeof SuppressionCreate>;

export const SuppressionList = Type.Object({ suppressions: Type.Array(Suppression) });

export const SuppressionFilter = {
  reason: Type.Optional(SuppressionReason),
  type: Type.Optional(Type.String({ minLength: 1, description: 'Identifier type, e.g. email' })),
};

export const SuppressionsQuery = Type.Object({ ...SuppressionFilter, ...PageQuery });
export type SuppressionsQuery = Static<typeof SuppressionsQuery>;

export const SuppressionExportQuery = Type.Object(SuppressionFilter);
export type SuppressionExportQuery = Static<typeof SuppressionExportQuery>;

export const SuppressionsPage = Type.Object({
  suppressions: Type.Array(Suppression),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type SuppressionsPage = Static<typeof SuppressionsPage>;

export const SuppressionIdentifierParams = Type.Object({ identifier: IdentifierKeyText });

/** The columns of the CSV export, in order; an import reads the same ones (by header name). */
export const suppressionCsvColumns = ['identifier', 'type', 'value', 'reason', 'note', 'created_at'] as const;

export const SuppressionImportReport = Type.Object({
  accepted: Type.Integer({ description: 'Rows stored' }),
  rejected: Type.Integer({ description: 'Rows not stored' }),
  rejections: Type.Array(
    Type.Object({
      line: Type.Integer({ description: 'Line of the file where the row starts; the header is line 1' }),
      reason: Type.String(),
    }),
  ),
});
export type SuppressionImportReport = Static<typeof SuppressionImportReport>;
