import Type, { type TSchema } from 'typebox';

/** A value that may also be sent as JSON `null`, which analytics.js does for absent ids. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Any JSON object (properties, traits, context); keys are free-form. */
export const JsonObject = Type.Record(Type.String(), Type.Unknown(), {
  description: 'A JSON object with free-form keys',
});

export const IsoTimestamp = Type.String({
  description: 'An ISO-8601 timestamp, e.g. 2026-11-24T09:30:00.000Z',
  examples: ['2026-11-24T09:30:00.000Z'],
});

export const FieldProblem = Type.Object({
  field: Type.String({ description: 'Where the problem is, e.g. batch[3].userId' }),
  rule: Type.String({ description: 'The rule broken, e.g. required, type, maxLength' }),
  message: Type.String(),
  line: Type.Optional(Type.Integer({ description: 'For text input (a segment definition): the line of the problem' })),
  column: Type.Optional(Type.Integer({ description: 'For text input: the column of the problem' })),
  expected: Type.Optional(Type.String({ description: 'For text input: what would have been correct there' })),
});

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'A stable TESSERA_ERR_* code' }),
    error: Type.String({ description: 'The HTTP status text' }),
    message: Type.String({ description: 'What is wrong and where, in words' }),
    details: Type.Optional(Type.Array(FieldProblem)),
  }
);

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ description: 'Opaque cursor from the previous page' })),
};
