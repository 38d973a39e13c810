import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { TesseraError, type ErrorCode, type FieldProblem } from '../../lib/errors.js';
import { describeSchemaErrors } from '../../lib/schema-errors.js';
import type { App } from '../http.js';

interface ErrorReply {
  statusCode: number;
  code: ErrorCode;
  error: string;
  message: string;
  details?: readonly FieldProblem[];
}

const reply = (code: ErrorCode, status: number, message: string, details?: readonly FieldProblem[]): ErrorReply => ({
  statusCode: status,
  code,
  error: STATUS_CODES[status] ?? 'Error',
  message,
  ...(details !== undefined && details.length > 0 && { details }),
});

/** Maps any error to a clear, coded reply. Only unexpected (5xx) errors are logged as errors. */
function toErrorReply(error: FastifyError | TesseraError | Error, request: FastifyRequest): ErrorReply {
  if (error instanceof TesseraError) return reply(error.code, error.status, error.message, error.details);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const location = fastifyError.validationContext ?? 'body';
    const details = describeSchemaErrors(fastifyError.validation, location === 'body' ? '' : location);
    const [first] = details;
    const summary = first ? `${first.field}: ${first.message}` : 'invalid request';
    const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
    return reply('TESSERA_ERR_VALIDATION', 400, `${summary}${more}`, details);
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.routeOptions.bodyLimit;
      return reply('TESSERA_ERR_PAYLOAD_TOO_LARGE', 413, `request body is larger than this endpoint's limit of ${limit} bytes`);
    }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return reply('TESSERA_ERR_MALFORMED_BODY', 400, `body is not valid JSON: ${fastifyError.message}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply('TESSERA_ERR_UNSUPPORTED_MEDIA_TYPE', 415, `content type ${request.headers['content-type'] ?? '(none)'} is not supported; send application/json`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return reply('TESSERA_ERR_MALFORMED_BODY', 400, 'the body is not as long as its Content-Length header says');
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
      return reply('TESSERA_ERR_MALFORMED_BODY', 400, `body is not valid gzip: ${fastifyError.message}`);
    default:
      break;
  }
  if (error instanceof SyntaxError) return reply('TESSERA_ERR_MALFORMED_BODY', 400, `body is not valid JSON: ${error.message}`);
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) return reply('TESSERA_ERR_MALFORMED_BODY', status, fastifyError.message);
  return reply('TESSERA_ERR_INTERNAL', 500, `internal error (request ${request.id}); the server log has the details`);
}

/** One error format for every endpoint, including Fastify's own parse and validation errors. */
export function registerErrorHandling(app: App): void {
  app.setErrorHandler((error: FastifyError | TesseraError, request: FastifyRequest, res: FastifyReply) => {
    const body = toErrorReply(error, request);
    if (body.statusCode >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    if (error instanceof TesseraError && error.retryAfterSeconds !== undefined) {
      void res.header('retry-after', String(error.retryAfterSeconds));
    }
    return res.code(body.statusCode).send(body);
  });
  app.setNotFoundHandler((request, res) =>
    res.code(404).send(reply('TESSERA_ERR_NOT_FOUND', 404, `no endpoint ${request.method} ${request.url.split('?')[0]}`)),
  );
}
