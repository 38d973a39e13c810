import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import {
  ErrorBody,
  Import,
  ImportCreate,
  ImportDataQuery,
  ImportIdParams,
  ImportList,
  ImportRejectsPage,
  ImportRejectsQuery,
  ImportsQuery,
} from '../../contracts/index.js';
import { TesseraError } from '../../lib/errors.js';
import type { App, Services } from '../http.js';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };
const tags = ['imports'];

/** The upload body as sent, gunzipped when it says it is gzip'd. */
function uploadStream(request: FastifyRequest): Readable {
  const body = request.body as Readable;
  const encoding = request.headers['content-encoding']?.toLowerCase();
  if (encoding === undefined || encoding === 'identity') return body;
  if (encoding !== 'gzip') {
    throw new TesseraError('TESSERA_ERR_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding "${encoding}" is not supported; send gzip or no encoding`);
  }
  const gunzip = createGunzip();
  body.on('error', (error) => gunzip.destroy(error));
  return body.pipe(gunzip);
}

/**
 * File imports: /api/v1/imports/... Create an import with its mapping, then
 * PUT the file to /imports/{id}/data as one streamed body (any content type;
 * the import's format says how to read it). The reply comes once every row is
 * durable or rejected; meanwhile GET /imports/{id} shows the progress.
 */
export function importsPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { imports } = services;

    app.post(
      '/imports',
      {
        schema: {
          tags,
          summary: 'Create an import: the source, the file format and the mapping from columns to identifiers, traits and events',
          body: ImportCreate,
          response: { 201: Import, ...errors },
        },
      },
      async (request, reply) => reply.code(201).send(await imports.create(request.body)),
    );

    app.get(
      '/imports',
      { schema: { tags, summary: 'Imports, newest first', querystring: ImportsQuery, response: { 200: ImportList, ...errors } } },
      async (request) => ({ imports: await imports.list(request.query) }),
    );

    app.get(
      '/imports/:id',
      {
        schema: {
          tags,
          summary: 'An import: progress, counts, how far the file is durably taken in, and (once unified) profiles created and merged',
          params: ImportIdParams,
          response: { 200: Import, ...errors },
        },
      },
      async (request) => imports.get(request.params.id),
    );

    app.get(
      '/imports/:id/rejects',
      {
        schema: {
          tags,
          summary: 'Rows refused, with their line, reason and text, in line order',
          params: ImportIdParams,
          querystring: ImportRejectsQuery,
          response: { 200: ImportRejectsPage, ...errors },
        },
      },
      async (request) => imports.rejects(request.params.id, request.query),
    );

    // The upload streams: its body reaches the handler unread, whatever its type, and is never held whole.
    await app.register(async (upload: App) => {
      upload.removeAllContentTypeParsers();
      upload.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
      upload.put(
        '/imports/:id/data',
        {
          schema: {
            tags,
            summary:
              'Send the file (or its rest, from ?offset=committed.offset after an interruption); optionally gzip\'d. ' +
              'Answers once every row is durable in the log or rejected',
            params: ImportIdParams,
            querystring: ImportDataQuery,
            consumes: ['text/csv', 'text/tab-separated-values', 'application/x-ndjson', 'application/json', 'application/octet-stream'],
            response: { 200: Import, ...errors },
          },
        },
        async (request) => imports.receive(request.params.id, uploadStream(request), request.query.offset ?? 0),
      );
    });
  };
}
