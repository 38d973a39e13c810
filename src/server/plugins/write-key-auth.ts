import type { FastifyRequest } from 'fastify';
import { authFailureMessages, originAllowed, type SourceService } from '../../collect/index.js';
import { TesseraError } from '../../lib/errors.js';
import type { SourceRecord } from '../../store/index.js';
import type { App } from '../http.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The source whose write key authenticated the request (routes under requireWriteKey). */
    source?: SourceRecord;
  }
}

/**
 * Requires a source's write key (HTTP Basic username, as the tracking API
 * takes it) on every route of the scope: the endpoints people's apps call
 * besides tracking (push subscriptions, the inbox). A browser origin must be
 * one the source allows.
 */
export function requireWriteKey(app: App, sources: SourceService): void {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const key = header?.startsWith('Basic ') ? Buffer.from(header.slice(6).trim(), 'base64').toString('utf8').split(':')[0] : undefined;
    const outcome = await sources.authenticate(key);
    if (!outcome.ok) throw new TesseraError('TESSERA_ERR_UNAUTHORIZED', authFailureMessages[outcome.error]);
    const origin = request.headers.origin;
    if (origin !== undefined && !originAllowed(outcome.value.allowedOrigins, origin)) {
      throw new TesseraError('TESSERA_ERR_FORBIDDEN', `origin ${origin} may not call with source ${outcome.value.id}; add it to the source's allowedOrigins`);
    }
    request.source = outcome.value;
  });
  app.addHook('onSend', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin !== undefined && request.source !== undefined) void reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
  });
}
