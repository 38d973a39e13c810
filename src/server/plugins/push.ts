import { ErrorBody, PushSubscriptionCreate, PushSubscriptionCreated, VapidPublicKey } from '../../contracts/index.js';
import { TesseraError } from '../../lib/errors.js';
import type { App, Services } from '../http.js';
import { requireWriteKey } from './write-key-auth.js';

const tags = ['push'];
const security = [{ writeKey: [] }];
const errors = { '4xx': ErrorBody };

/** Web push for people's browsers: the key to subscribe with, and registering a subscription (write key). */
export function pushPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { push, vapidPublicKey } = services.delivery.endpoints;
    requireWriteKey(app, services.sources);

    app.get(
      '/v1/push/vapid-public-key',
      { schema: { tags, security, summary: 'The applicationServerKey browsers subscribe with', response: { 200: VapidPublicKey, ...errors } } },
      async () => ({ publicKey: vapidPublicKey }),
    );

    app.post(
      '/v1/push/subscriptions',
      {
        schema: {
          tags,
          security,
          summary: "Store a browser's push subscription for a user (or anonymous visitor); they can then be reached by push",
          body: PushSubscriptionCreate,
          response: { 201: PushSubscriptionCreated, ...errors },
        },
      },
      async (request, reply) => {
        const source = request.source;
        if (source === undefined) throw new TesseraError('TESSERA_ERR_UNAUTHORIZED', 'a write key is required');
        return reply.code(201).send(await push.register(source.id, request.body));
      },
    );
  };
}
