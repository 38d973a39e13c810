import { Readable } from 'node:stream';
import Type from 'typebox';
import {
  ErrorBody,
  SuppressionCreate,
  SuppressionExportQuery,
  SuppressionIdentifierParams,
  SuppressionImportReport,
  SuppressionList,
  SuppressionsPage,
  SuppressionsQuery,
  suppressionCsvColumns,
} from '../../contracts/index.js';
import type { App, Services } from '../http.js';

const errors = { '4xx': ErrorBody };
const tags = ['suppressions'];
/** Room for a few hundred thousand rows per import. */
const importBodyLimit = 32 * 1024 * 1024;
const csvDescription = `CSV with the header ${suppressionCsvColumns.join(',')}`;

/** The global suppression list: /api/v1/suppressions/... */
export function suppressionsPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { suppressions } = services;
    app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: importBodyLimit }, (_request, body, done) => done(null, body));

    app.get(
      '/suppressions',
      {
        schema: {
          tags,
          summary: 'List suppressed identifiers, newest first, optionally by reason or identifier type',
          querystring: SuppressionsQuery,
          response: { 200: SuppressionsPage, ...errors },
        },
      },
      async (request) => suppressions.list(request.query),
    );

    app.post(
      '/suppressions',
      {
        schema: {
          tags,
          summary: 'Suppress one identifier, or many under "suppressions"; one already listed takes the new reason and note',
          body: SuppressionCreate,
          response: { 200: SuppressionList, ...errors },
        },
      },
      async (request) => ({ suppressions: await suppressions.add(request.body) }),
    );

    app.delete(
      '/suppressions/:identifier',
      {
        schema: {
          tags,
          summary: 'Take an identifier (type:value) off the list',
          params: SuppressionIdentifierParams,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        await suppressions.remove(request.params.identifier);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/suppressions/export.csv',
      {
        schema: {
          tags,
          summary: `The list as CSV, newest first, with the header ${suppressionCsvColumns.join(',')}`,
          querystring: SuppressionExportQuery,
          produces: ['text/csv'],
        },
      },
      async (request, reply) =>
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="suppressions.csv"')
          .send(Readable.from(suppressions.exportCsv(request.query))),
    );

    app.post(
      '/suppressions/import',
      {
        bodyLimit: importBodyLimit,
        schema: {
          tags,
          summary: 'Add the rows of a CSV file (the export\'s columns); invalid rows are reported by line and never stop the others',
          consumes: ['text/csv'],
          body: Type.String({ description: csvDescription }),
          response: { 200: SuppressionImportReport, ...errors },
        },
      },
      async (request) => suppressions.importCsv(request.body),
    );
  };
}
