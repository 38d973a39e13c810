import { ErrorBody, InboxList, InboxMessageView, InboxQuery, InboxReadBody, InboxReadParams } from '../../contracts/index.js';
import type { App, Services } from '../http.js';
import { requireWriteKey } from './write-key-auth.js';

const tags = ['inbox'];
const security = [{ writeKey: [] }];
const errors = { '4xx': ErrorBody };

/** The in-app inbox as a person's apps read it: by user id, with a write key. */
export function inboxPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { inbox } = services.delivery.endpoints;
    requireWriteKey(app, services.sources);

    app.get(
      '/v1/inbox',
      { schema: { tags, security, summary: "A user's in-app messages, newest first", querystring: InboxQuery, response: { 200: InboxList, ...errors } } },
      async (request) => inbox.list(request.query.userId.trim(), request.query.limit ?? 50),
    );

    app.post(
      '/v1/inbox/:id/read',
      {
        schema: {
          tags,
          security,
          summary: "Mark one of the user's messages read (another user's message is not found)",
          params: InboxReadParams,
          body: InboxReadBody,
          response: { 200: InboxMessageView, ...errors },
        },
      },
      async (request) => inbox.markRead(request.body.userId.trim(), request.params.id),
    );
  };
}
