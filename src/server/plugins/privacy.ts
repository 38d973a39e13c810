import { ErasureRecord, ErrorBody, ProfileExport, ProfileIdParams } from '../../contracts/index.js';
import type { App, Services } from '../http.js';

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };
const tags = ['privacy'];

/** Data subject requests on a profile: export everything, or erase the person. */
export function privacyPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { profiles, erasure } = services;

    app.get(
      '/profiles/:id/export',
      {
        schema: {
          tags,
          summary: 'Everything held about the person: profile, trait lineage, consent, conflicts, history and every event',
          params: ProfileIdParams,
          response: { 200: ProfileExport, ...errors },
        },
      },
      async (request) => profiles.exportData(request.params.id),
    );

    app.delete(
      '/profiles/:id',
      {
        schema: {
          tags,
          summary: 'Erase the person (and profiles merged into them) everywhere; answers the audit record once erasure is durable',
          params: ProfileIdParams,
          response: { 200: ErasureRecord, ...errors },
        },
      },
      async (request) => erasure.erase(request.params.id, 'admin-api'),
    );
  };
}
