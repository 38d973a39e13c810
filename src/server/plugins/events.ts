import { ErrorBody, EventsPage, EventsQuery } from '../../contracts/index.js';
import type { App, Services } from '../http.js';

/** The event store, newest first: /api/v1/events */
export function eventsPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    app.get(
      '/events',
      {
        schema: {
          tags: ['events'],
          summary: 'List stored events, newest first, filtered by source, type, event name and time',
          querystring: EventsQuery,
          response: { 200: EventsPage, '4xx': ErrorBody },
        },
      },
      async (request) => services.events.list(request.query),
    );
  };
}
