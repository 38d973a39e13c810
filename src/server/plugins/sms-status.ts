import Type from 'typebox';
import { twilioStatusPath } from '../../channels/sms/sms-configurator.js';
import type { App, Services } from '../http.js';

const StatusQuery = Type.Object({ deliveryId: Type.String({ minLength: 1, maxLength: 200 }) });

/**
 * Delivery status callbacks from SMS providers. No token: Twilio signs each
 * request with the account's auth token over the URL it called (built from
 * the public URL, as providers see this server) and the posted parameters.
 */
export function smsStatusPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { smsStatus } = services.delivery.endpoints;
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    app.post(
      twilioStatusPath,
      { schema: { hide: true, querystring: StatusQuery, body: Type.Record(Type.String(), Type.String()) } },
      async (request, reply) => {
        const signature = request.headers['x-twilio-signature'];
        await smsStatus.twilio(
          `${services.delivery.endpoints.publicUrl()}${request.url}`,
          request.query.deliveryId,
          request.body,
          typeof signature === 'string' ? signature : undefined,
        );
        return reply.code(204).send();
      },
    );
  };
}
