import Type from 'typebox';
import { ComputedTraitCreate, ComputedTraitPatch, ComputedTraitView, ErrorBody } from '../../contracts/index.js';
import type { App, Services } from '../http.js';

const errors = { '4xx': ErrorBody };
const tags = ['traits'];
const Params = Type.Object({ id: Type.String() });

/** Computed traits: /api/v1/traits/... */
export function traitsPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { traits } = services;

    app.post(
      '/traits',
      {
        schema: {
          tags,
          summary: 'Define a computed trait: an aggregate over events (optionally over a rolling window) or an expression over traits',
          body: ComputedTraitCreate,
          response: { 201: ComputedTraitView, ...errors },
        },
      },
      async (request, reply) => reply.code(201).send(await traits.create(request.body)),
    );

    app.get(
      '/traits',
      { schema: { tags, summary: 'All computed traits', response: { 200: Type.Object({ traits: Type.Array(ComputedTraitView) }) } } },
      async () => ({ traits: await traits.list() }),
    );

    app.get(
      '/traits/:id',
      { schema: { tags, summary: 'A computed trait, with its backfill progress', params: Params, response: { 200: ComputedTraitView, ...errors } } },
      async (request) => traits.get(request.params.id),
    );

    app.patch(
      '/traits/:id',
      {
        schema: { tags, summary: 'Change the definition; the trait is filled from history again', params: Params, body: ComputedTraitPatch, response: { 200: ComputedTraitView, ...errors } },
      },
      async (request) => traits.update(request.params.id, request.body.definition),
    );

    app.delete(
      '/traits/:id',
      { schema: { tags, summary: 'Delete a computed trait no segment or trait uses', params: Params, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await traits.delete(request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
