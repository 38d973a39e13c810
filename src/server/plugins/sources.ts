import Type from 'typebox';
import {
  ErrorBody,
  RejectionsPage,
  RejectionsQuery,
  RotateKeyRequest,
  Source,
  SourceCreate,
  SourceIdParams,
  SourcePatch,
  TrackingPlan,
  ViolationCount,
} from '../../contracts/index.js';
import type { App, Services } from '../http.js';

const errors = { '4xx': ErrorBody };
const tags = ['sources'];

const StoredPlan = Type.Object({
  sourceId: Type.String(),
  version: Type.Integer(),
  updatedAt: Type.String(),
  plan: TrackingPlan,
});

/** Sources, write keys, rejections and tracking plans: /api/v1/sources/... */
export function sourcesPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { sources, plans, rejections } = services;

    app.post(
      '/sources',
      { schema: { tags, summary: 'Create a source and its write key', body: SourceCreate, response: { 201: Source, ...errors } } },
      async (request, reply) => reply.code(201).send(await sources.create(request.body)),
    );

    app.get(
      '/sources',
      { schema: { tags, summary: 'List sources', response: { 200: Type.Object({ sources: Type.Array(Source) }) } } },
      async () => ({ sources: await sources.list() }),
    );

    app.get(
      '/sources/:id',
      { schema: { tags, summary: 'Get a source', params: SourceIdParams, response: { 200: Source, ...errors } } },
      async (request) => sources.get(request.params.id),
    );

    app.patch(
      '/sources/:id',
      {
        schema: {
          tags,
          summary: 'Rename, enable or disable a source, or change its allowed origins',
          params: SourceIdParams,
          body: SourcePatch,
          response: { 200: Source, ...errors },
        },
      },
      async (request) => sources.update(request.params.id, request.body),
    );

    app.post(
      '/sources/:id/rotate-key',
      {
        schema: {
          tags,
          summary: 'Issue a new write key; the old one works for the grace period',
          params: SourceIdParams,
          body: RotateKeyRequest,
          response: { 200: Source, ...errors },
        },
        // The body is optional: a bare POST rotates with no grace period.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) => sources.rotateKey(request.params.id, request.body.gracePeriodSeconds ?? 0),
    );

    app.get(
      '/sources/:id/rejections',
      {
        schema: {
          tags,
          summary: 'Messages from this source that were not accepted, with the reasons, newest first',
          params: SourceIdParams,
          querystring: RejectionsQuery,
          response: { 200: RejectionsPage, ...errors },
        },
      },
      async (request) => {
        await sources.get(request.params.id);
        return rejections.list(request.params.id, { limit: request.query.limit ?? 100, cursor: request.query.cursor });
      },
    );

    const planResponse = (stored: Awaited<ReturnType<typeof plans.get>>) => ({
      sourceId: stored.sourceId,
      version: stored.version,
      updatedAt: new Date(stored.updatedAt).toISOString(),
      plan: stored.plan,
    });

    app.get(
      '/sources/:id/tracking-plan',
      { schema: { tags, summary: "The source's tracking plan", params: SourceIdParams, response: { 200: StoredPlan, ...errors } } },
      async (request) => planResponse(await plans.get(request.params.id)),
    );

    app.put(
      '/sources/:id/tracking-plan',
      {
        schema: {
          tags,
          summary: "Create or replace the source's tracking plan",
          params: SourceIdParams,
          body: TrackingPlan,
          response: { 200: StoredPlan, ...errors },
        },
      },
      async (request) => planResponse(await plans.put(request.params.id, request.body)),
    );

    app.delete(
      '/sources/:id/tracking-plan',
      { schema: { tags, summary: "Remove the source's tracking plan", params: SourceIdParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await plans.delete(request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/sources/:id/tracking-plan/violations',
      {
        schema: {
          tags,
          summary: 'How often each event broke the tracking plan',
          params: SourceIdParams,
          response: { 200: Type.Object({ violations: Type.Array(ViolationCount) }), ...errors },
        },
      },
      async (request) => ({ violations: await plans.violations(request.params.id) }),
    );
  };
}
