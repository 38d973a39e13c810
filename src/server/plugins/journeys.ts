import Type from 'typebox';
import {
  ContactPolicies,
  ErrorBody,
  InstanceView,
  JourneyCreate,
  JourneyPatch,
  JourneyStatsView,
  JourneyView,
  ProfileIdParams,
  SimulateRequest,
  SimulateResponse,
} from '../../contracts/index.js';
import type { App, Services } from '../http.js';

const errors = { '4xx': ErrorBody };
const tags = ['journeys'];
const Params = Type.Object({ id: Type.String() });

const SendView = Type.Object({
  idempotencyKey: Type.String(),
  journeyId: Type.String(),
  instanceId: Type.String(),
  profileId: Type.String(),
  step: Type.String(),
  channel: Type.String(),
  category: Type.String(),
  template: Type.String(),
  variant: Type.Union([Type.String(), Type.Null()]),
  at: Type.String(),
});

/** Journeys, contact policies and sends: /api/v1/journeys/..., /api/v1/policies, /api/v1/sends */
export function journeysPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { journeys } = services;

    app.post(
      '/journeys',
      { schema: { tags, summary: 'Create a journey (a draft until published)', body: JourneyCreate, response: { 201: JourneyView, ...errors } } },
      async (request, reply) => reply.code(201).send(await journeys.create(request.body)),
    );
    app.get('/journeys', { schema: { tags, summary: 'All journeys', response: { 200: Type.Object({ journeys: Type.Array(JourneyView) }) } } }, async () => ({
      journeys: await journeys.list(),
    }));
    app.get('/journeys/:id', { schema: { tags, summary: 'A journey and its latest version', params: Params, response: { 200: JourneyView, ...errors } } }, async (request) =>
      journeys.get(request.params.id),
    );
    app.patch(
      '/journeys/:id',
      {
        schema: {
          tags,
          summary: 'Rename, or change the definition: a draft in place; a live journey gets a new version (migrate moves people inside)',
          params: Params,
          body: JourneyPatch,
          response: { 200: JourneyView, ...errors },
        },
      },
      async (request) => journeys.update(request.params.id, request.body),
    );
    for (const action of ['publish', 'pause', 'resume', 'stop'] as const) {
      app.post(
        `/journeys/:id/${action}`,
        { schema: { tags, summary: `${action[0]?.toUpperCase()}${action.slice(1)} the journey`, params: Params, response: { 200: JourneyView, ...errors } } },
        async (request) => journeys[action](request.params.id),
      );
    }
    app.post(
      '/journeys/:id/enter',
      {
        schema: {
          tags,
          summary: 'Enter a person into a live journey',
          params: Params,
          body: Type.Object({ profileId: Type.String() }, { additionalProperties: false }),
          response: { 200: InstanceView, ...errors },
        },
      },
      async (request) => journeys.enter(request.params.id, request.body.profileId),
    );
    app.post(
      '/journeys/:id/simulate',
      {
        schema: {
          tags,
          summary: 'Run the journey for a real or described person against events on a simulated clock; nothing is sent',
          params: Params,
          body: SimulateRequest,
          response: { 200: SimulateResponse, ...errors },
        },
      },
      async (request) => journeys.simulate(request.params.id, request.body),
    );
    app.get(
      '/journeys/:id/stats',
      { schema: { tags, summary: 'Entered, active, completed, exited and converted; per step and per variant', params: Params, response: { 200: JourneyStatsView, ...errors } } },
      async (request) => journeys.stats(request.params.id),
    );
    app.get(
      '/profiles/:id/journeys',
      { schema: { tags, summary: "A person's journeys with their history", params: ProfileIdParams, response: { 200: Type.Object({ journeys: Type.Array(InstanceView) }), ...errors } } },
      async (request) => ({ journeys: await journeys.ofProfile(request.params.id) }),
    );
    app.get('/policies', { schema: { tags, summary: 'The contact policies every send passes', response: { 200: ContactPolicies } } }, async () => journeys.policies());
    app.put(
      '/policies',
      { schema: { tags, summary: 'Replace the contact policies', body: ContactPolicies, response: { 200: ContactPolicies, ...errors } } },
      async (request) => journeys.setPolicies(request.body),
    );
    app.get(
      '/sends',
      {
        schema: {
          tags,
          summary: 'Messages journeys decided to send, newest first',
          querystring: Type.Object({ profileId: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }),
          response: { 200: Type.Object({ sends: Type.Array(SendView) }) },
        },
      },
      async (request) => ({ sends: await journeys.sends(request.query.profileId, request.query.limit ?? 100) }),
    );
  };
}
