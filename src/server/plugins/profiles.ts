import {
  ConsentUpdate,
  ErrorBody,
  EventsPage,
  Profile,
  ProfileHistory,
  ProfileIdParams,
  ProfileList,
  ProfileSearchQuery,
  SplitRequest,
  SplitResponse,
  TimelineQuery,
} from '../../contracts/index.js';
import { invalid } from '../../lib/errors.js';
import { historyView } from '../../profiles/index.js';
import type { App, Services } from '../http.js';

const errors = { '4xx': ErrorBody };
const tags = ['profiles'];

/** The trait and value of a trait search, which needs both and searches by nothing else. */
function traitSearch({ trait, value, identifier, identifierPrefix }: ProfileSearchQuery): { trait: string; value: string } {
  if (trait === undefined || value === undefined) {
    throw invalid([{ field: `querystring.${trait === undefined ? 'trait' : 'value'}`, rule: 'required', message: 'trait and value go together' }]);
  }
  const other = identifier !== undefined ? 'identifier' : identifierPrefix !== undefined ? 'identifierPrefix' : undefined;
  if (other !== undefined) {
    throw invalid([{ field: `querystring.${other}`, rule: 'exclusive', message: 'search by identifier or by trait, not both' }]);
  }
  return { trait, value };
}

/** Customer 360: /api/v1/profiles/... */
export function profilesPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { profiles } = services;

    app.get(
      '/profiles',
      {
        schema: {
          tags,
          summary: 'Find profiles by identifier (type:value), identifier prefix, or trait value (exact or prefix)',
          querystring: ProfileSearchQuery,
          response: { 200: ProfileList, ...errors },
        },
      },
      async (request) => {
        const { identifier, identifierPrefix, trait, value, match = 'exact', limit = 20 } = request.query;
        if (trait !== undefined || value !== undefined) {
          const search = traitSearch(request.query);
          return { profiles: await profiles.searchByTrait(search.trait, search.value, match, limit) };
        }
        if (identifier !== undefined) return { profiles: [await profiles.findByIdentifier(identifier)] };
        if (identifierPrefix !== undefined) return { profiles: await profiles.searchByIdentifierPrefix(identifierPrefix, limit) };
        throw invalid([
          { field: 'querystring', rule: 'required', message: 'give identifier=type:value, identifierPrefix=type:start or trait=name&value=text' },
        ]);
      },
    );

    app.get(
      '/profiles/:id',
      { schema: { tags, summary: 'A profile; a merged-away id answers with the survivor', params: ProfileIdParams, response: { 200: Profile, ...errors } } },
      async (request) => profiles.get(request.params.id),
    );

    app.get(
      '/profiles/:id/events',
      {
        schema: {
          tags,
          summary: 'The cross-channel timeline, newest first',
          params: ProfileIdParams,
          querystring: TimelineQuery,
          response: { 200: EventsPage, ...errors },
        },
      },
      async (request) => profiles.events(request.params.id, request.query),
    );

    app.get(
      '/profiles/:id/history',
      { schema: { tags, summary: 'Merges and splits of the profile', params: ProfileIdParams, response: { 200: ProfileHistory, ...errors } } },
      async (request) => ({ history: (await profiles.history(request.params.id)).map(historyView) }),
    );

    app.put(
      '/profiles/:id/consent',
      {
        schema: {
          tags,
          summary: 'Record consent statements, timed by the server; they survive merges and splits, and a later statement wins',
          params: ProfileIdParams,
          body: ConsentUpdate,
          response: { 200: Profile, ...errors },
        },
      },
      async (request) => profiles.setConsent(request.params.id, request.body),
    );

    app.post(
      '/profiles/:id/split',
      {
        schema: {
          tags,
          summary: 'Detach identifiers into a new profile and keep them apart; both records are rebuilt',
          params: ProfileIdParams,
          body: SplitRequest,
          response: { 200: SplitResponse, ...errors },
        },
      },
      async (request) => profiles.split(request.params.id, request.body.identifiers, 'admin-api'),
    );
  };
}
