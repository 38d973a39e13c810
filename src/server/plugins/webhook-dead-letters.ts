import Type from 'typebox';
import { DeadLetterList, DeadLetterParams, DeadLetterQuery, ErrorBody } from '../../contracts/index.js';
import type { App, Services } from '../http.js';

const tags = ['channels'];
const errors = { '4xx': ErrorBody };

/** The webhook channel's dead letters (/api/v1/channels/webhook/dead-letters) and their replay. */
export function webhookDeadLettersPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { deadLetters } = services.delivery.endpoints;

    app.get(
      '/channels/webhook/dead-letters',
      { schema: { tags, summary: 'Webhook messages given up on, oldest first, with why', querystring: DeadLetterQuery, response: { 200: DeadLetterList, ...errors } } },
      async (request) => ({ deadLetters: await deadLetters.list(request.query.limit ?? 100) }),
    );

    app.post(
      '/channels/webhook/dead-letters/:id/replay',
      {
        schema: {
          tags,
          summary: 'Send a dead letter again: back to the outbox, due now, same delivery id (Idempotency-Key); failing again puts it back on the list',
          params: DeadLetterParams,
          response: { 202: Type.Object({ queued: Type.Boolean() }), ...errors },
        },
      },
      async (request, reply) => {
        await deadLetters.replay(request.params.id);
        return reply.code(202).send({ queued: true });
      },
    );
  };
}
