/**
 * Coded errors. Every failure that crosses a boundary (HTTP, CLI) carries a
 * `TESSERA_ERR_*` code whose kind says which HTTP status it maps to and whether
 * the caller may retry.
 */
export const errorKinds = {
  TESSERA_ERR_VALIDATION: { status: 400, retryable: false },
  TESSERA_ERR_MALFORMED_BODY: { status: 400, retryable: false },
  TESSERA_ERR_UNAUTHORIZED: { status: 401, retryable: false },
  TESSERA_ERR_FORBIDDEN: { status: 403, retryable: false },
  TESSERA_ERR_NOT_FOUND: { status: 404, retryable: false },
  TESSERA_ERR_CONFLICT: { status: 409, retryable: false },
  TESSERA_ERR_PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  TESSERA_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  TESSERA_ERR_OVERLOADED: { status: 429, retryable: true },
  TESSERA_ERR_INTERNAL: { status: 500, retryable: true },
  TESSERA_ERR_UNAVAILABLE: { status: 503, retryable: true },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof errorKinds;

/** One located problem in an input: where it is and which rule it breaks. */
export interface FieldProblem {
  /** Path to the offending value, e.g. `batch[3].userId`. */
  field: string;
  /** The rule broken, e.g. `required`, `type`, `maxLength`. */
  rule: string;
  message: string;
}

export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly FieldProblem[];
  /** Seconds the caller should wait before retrying, when the error is retryable. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: readonly FieldProblem[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TesseraError';
    this.code = code;
    this.details = options.details ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get status(): number {
    return errorKinds[this.code].status;
  }

  get retryable(): boolean {
    return errorKinds[this.code].retryable;
  }
}

export const notFound = (what: string, id: string): TesseraError =>
  new TesseraError('TESSERA_ERR_NOT_FOUND', `${what} '${id}' does not exist`);

export const invalid = (problems: readonly FieldProblem[]): TesseraError => {
  const [first] = problems;
  const summary = first === undefined ? 'invalid input' : `${first.field}: ${first.message}`;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new TesseraError('TESSERA_ERR_VALIDATION', summary + more, { details: problems });
};
