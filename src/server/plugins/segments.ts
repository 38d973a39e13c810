import { Readable } from 'node:stream';
import Type from 'typebox';
import {
  ErrorBody,
  ProfileIdParams,
  ProfileSegments,
  SegmentCreate,
  SegmentExportQuery,
  SegmentIdParams,
  SegmentMembersPage,
  SegmentMembersQuery,
  SegmentPreview,
  SegmentPreviewRequest,
  SegmentView,
} from '../../contracts/index.js';
import { defaultExportTraits, exportIdentifierTypes } from '../../segments/index.js';
import type { App, Services } from '../http.js';

const errors = { '4xx': ErrorBody };
const tags = ['segments'];

/** Segments: /api/v1/segments/... and /api/v1/profiles/{id}/segments */
export function segmentsPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { segments } = services;

    app.post(
      '/segments',
      {
        schema: {
          tags,
          summary: 'Define a segment (text or JSON form); it is filled from history in the background, then kept current',
          body: SegmentCreate,
          response: { 201: SegmentView, ...errors },
        },
      },
      async (request, reply) => reply.code(201).send(await segments.create(request.body)),
    );

    app.post(
      '/segments/preview',
      {
        schema: {
          tags,
          summary: 'How many people a definition selects now, with some of their ids; nothing is saved',
          body: SegmentPreviewRequest,
          response: { 200: SegmentPreview, ...errors },
        },
      },
      async (request) => segments.preview(request.body),
    );

    app.get(
      '/segments',
      { schema: { tags, summary: 'All segments with their status and size', response: { 200: Type.Object({ segments: Type.Array(SegmentView) }) } } },
      async () => ({ segments: await segments.list() }),
    );

    app.get(
      '/segments/:id',
      { schema: { tags, summary: 'A segment: definition, status and size', params: SegmentIdParams, response: { 200: SegmentView, ...errors } } },
      async (request) => segments.get(request.params.id),
    );

    app.delete(
      '/segments/:id',
      { schema: { tags, summary: 'Delete a segment and its memberships', params: SegmentIdParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await segments.delete(request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/segments/:id/members',
      {
        schema: {
          tags,
          summary: 'Members, by profile id, one page at a time',
          params: SegmentIdParams,
          querystring: SegmentMembersQuery,
          response: { 200: SegmentMembersPage, ...errors },
        },
      },
      async (request) => segments.members(request.params.id, { limit: request.query.limit ?? 100, cursor: request.query.cursor }),
    );

    app.get(
      '/segments/:id/export.csv',
      {
        schema: {
          tags,
          summary: `Members as CSV: profile_id, since, ${exportIdentifierTypes.join(', ')}, then trait.<name> per trait asked for (${defaultExportTraits.join(', ')} by default)`,
          params: SegmentIdParams,
          querystring: SegmentExportQuery,
          produces: ['text/csv'],
        },
      },
      async (request, reply) => {
        const csv = await segments.exportCsv(request.params.id, request.query.traits?.split(',') ?? []);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="segment-${request.params.id}.csv"`)
          .send(Readable.from(csv));
      },
    );

    app.get(
      '/profiles/:id/segments',
      { schema: { tags, summary: 'The segments a profile is in', params: ProfileIdParams, response: { 200: ProfileSegments, ...errors } } },
      async (request) => ({ segments: await segments.ofProfile(request.params.id) }),
    );
  };
}
