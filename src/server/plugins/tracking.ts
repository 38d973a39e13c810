import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import { authFailureMessages, originAllowed, trackingLimits } from '../../collect/index.js';
import {
  BatchRequest,
  ErrorBody,
  TrackingResponse,
  messageSchemas,
  messageTypes,
} from '../../contracts/index.js';
import { TesseraError } from '../../lib/errors.js';
import type { SourceRecord } from '../../store/index.js';
import type { App, Services } from '../http.js';
import { parseJsonBody } from '../json-body.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tracking body as parsed (decompressed). */
    trackingBody?: Buffer;
  }
}

/** Tracking bodies are validated per message by the collector, so Fastify lets them through untouched. */
const passThrough = () => (value: unknown) => ({ value });

const allowedHeaders = 'Content-Type, Content-Encoding, Authorization';

/** The write key from HTTP Basic auth (username, empty password), else from the body. */
function writeKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? decoded : decoded.slice(0, colon);
  }
  const fromBody = (request.body as { writeKey?: unknown } | undefined)?.writeKey;
  return typeof fromBody === 'string' ? fromBody : undefined;
}

/** Decompresses gzip bodies; the byte limit then applies to the decompressed size (no zip bombs). */
function decodeBody(request: FastifyRequest, payload: Readable): Readable {
  const encoding = request.headers['content-encoding']?.toLowerCase();
  if (encoding === undefined || encoding === 'identity') return payload;
  if (encoding !== 'gzip') {
    throw new TesseraError('TESSERA_ERR_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding "${encoding}" is not supported; send gzip or no encoding`);
  }
  let encodedBytes = 0;
  // Fastify compares Content-Length with the bytes on the wire, which it reads from receivedEncodedLength.
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      encodedBytes += chunk.length;
      done(null, chunk);
    },
  });
  const gunzip = createGunzip();
  counter.on('data', () => Object.assign(gunzip, { receivedEncodedLength: encodedBytes }));
  payload.pipe(counter).pipe(gunzip);
  return gunzip;
}

/**
 * The Segment-compatible tracking API: /v1/identify, track, page, screen,
 * group, alias and batch. Bodies are JSON whatever their content type
 * (analytics.js sends text/plain to avoid CORS preflights), optionally gzip'd.
 */
export function trackingPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { collector, sources, clock } = services;

    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
      request.trackingBody = body;
      parseJsonBody(request, body, done);
    });
    app.addHook('preParsing', async (request, _reply, payload) => decodeBody(request, payload));

    app.options('/v1/*', async (request, reply) => {
      const origin = request.headers.origin;
      if (origin === undefined || !(await sources.anyAllowsOrigin(origin))) return reply.code(403).send();
      return reply
        .code(204)
        .header('access-control-allow-origin', origin)
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', request.headers['access-control-request-headers'] ?? allowedHeaders)
        .header('access-control-max-age', '86400')
        .header('vary', 'Origin')
        .send();
    });

    const authenticate = async (request: FastifyRequest): Promise<SourceRecord> => {
      const outcome = await sources.authenticate(writeKeyOf(request));
      if (!outcome.ok) throw new TesseraError('TESSERA_ERR_UNAUTHORIZED', authFailureMessages[outcome.error]);
      const origin = request.headers.origin;
      if (origin !== undefined && !originAllowed(outcome.value.allowedOrigins, origin)) {
        throw new TesseraError(
          'TESSERA_ERR_FORBIDDEN',
          `origin ${origin} may not send to source ${outcome.value.id}; add it to the source's allowedOrigins`,
        );
      }
      return outcome.value;
    };

    const respond = {
      200: TrackingResponse,
      '4xx': ErrorBody,
      '5xx': ErrorBody,
    };
    const security = [{ writeKey: [] }];

    for (const type of messageTypes) {
      app.post(
        `/v1/${type}`,
        {
          bodyLimit: trackingLimits.maxMessageBytes,
          validatorCompiler: passThrough,
          schema: { tags: ['tracking'], summary: `Record a ${type} call`, security, body: messageSchemas[type], response: respond },
        },
        async (request, reply) => {
          const source = await authenticate(request);
          const receive = { source, receivedAt: clock.now(), ip: request.ip };
          const result = await collector.collectOne(receive, type, request.body).catch((error: unknown) => {
            if (error instanceof TesseraError && error.code === 'TESSERA_ERR_VALIDATION') {
              services.metrics.trackedMessages.inc({ outcome: 'rejected' });
            }
            throw error;
          });
          countOutcomes(services, result);
          allowOrigin(request, reply);
          return result;
        },
      );
    }

    app.post(
      '/v1/batch',
      {
        bodyLimit: trackingLimits.maxBatchBytes,
        validatorCompiler: passThrough,
        schema: { tags: ['tracking'], summary: 'Record many calls at once', security, body: BatchRequest, response: respond },
      },
      async (request, reply) => {
        const source = await authenticate(request);
        const receive = { source, receivedAt: clock.now(), ip: request.ip };
        const result = await collector.collectBatch(receive, request.body, request.trackingBody ?? 0);
        countOutcomes(services, result);
        allowOrigin(request, reply);
        return result;
      },
    );
  };
}

function allowOrigin(request: FastifyRequest, reply: { header(name: string, value: string): unknown }): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  reply.header('access-control-allow-origin', origin);
  reply.header('vary', 'Origin');
}

function countOutcomes(services: Services, result: TrackingResponse): void {
  const counter = services.metrics.trackedMessages;
  if (result.accepted > 0) counter.inc({ outcome: 'accepted' }, result.accepted);
  if (result.duplicates > 0) counter.inc({ outcome: 'duplicate' }, result.duplicates);
  if (result.rejected > 0) counter.inc({ outcome: 'rejected' }, result.rejected);
}
