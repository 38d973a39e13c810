import { ErrorBody } from '../../contracts/index.js';
import { MatchPair, MatchPairParams, MatchReviewPage, MatchReviewQuery, MatchRun, MatchRunRequest } from '../../contracts/match-api.js';
import type { App, Services } from '../http.js';

const errors = { '4xx': ErrorBody };
const tags = ['matches'];

/** Probabilistic matching of profiles: /api/v1/matches/... */
export function matchesPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { matches } = services;

    app.post(
      '/matches/runs',
      {
        schema: {
          tags,
          summary: 'Match every live profile against the others on its golden traits; links pairs above autoMerge, queues pairs above review',
          body: MatchRunRequest,
          response: { 201: MatchRun, ...errors },
        },
      },
      async (request, reply) => reply.code(201).send(await matches.run(request.body.config)),
    );

    app.get(
      '/matches/review',
      { schema: { tags, summary: 'Pairs waiting for a decision, most probable first', querystring: MatchReviewQuery, response: { 200: MatchReviewPage, ...errors } } },
      async (request) => matches.review(request.query.limit ?? 50, request.query.cursor),
    );

    app.get(
      '/matches/:pairId',
      { schema: { tags, summary: "A pair, its status, and each field's comparison level and weight", params: MatchPairParams, response: { 200: MatchPair, ...errors } } },
      async (request) => matches.pair(request.params.pairId),
    );

    app.post(
      '/matches/:pairId/accept',
      { schema: { tags, summary: 'The two are one person: link their profiles', params: MatchPairParams, response: { 200: MatchPair, ...errors } } },
      async (request) => matches.accept(request.params.pairId, 'admin-api'),
    );

    app.post(
      '/matches/:pairId/reject',
      { schema: { tags, summary: 'The two are different people: no run proposes them again', params: MatchPairParams, response: { 200: MatchPair, ...errors } } },
      async (request) => matches.reject(request.params.pairId, 'admin-api'),
    );
  };
}
