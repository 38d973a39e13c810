import Type from 'typebox';
import { ChannelConfigInput, ChannelConfigList, ChannelConfigView, ChannelParams, DeliveriesQuery, DeliveryList, ErrorBody } from '../../contracts/index.js';
import type { App, Services } from '../http.js';

const errors = { '4xx': ErrorBody };
const tags = ['channels'];

/** Channel configuration (/api/v1/channels/...) and the delivery outbox (/api/v1/deliveries). */
export function channelsPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { channels, deliveries } = services.delivery;

    app.get('/channels', { schema: { tags, summary: 'Configured channels, secrets masked', response: { 200: ChannelConfigList, ...errors } } }, async () => ({
      channels: await channels.list(),
    }));

    app.get(
      '/channels/:channel',
      { schema: { tags, summary: "A channel's configuration, secrets masked", params: ChannelParams, response: { 200: ChannelConfigView, ...errors } } },
      async (request) => channels.get(request.params.channel),
    );

    app.put(
      '/channels/:channel',
      {
        schema: {
          tags,
          summary: 'Configure a channel (email: smtpUrl, fromAddress, fromName, replyTo); applied at once, over the environment',
          params: ChannelParams,
          body: ChannelConfigInput,
          response: { 200: ChannelConfigView, ...errors },
        },
      },
      async (request) => channels.put(request.params.channel, request.body),
    );

    app.delete(
      '/channels/:channel',
      { schema: { tags, summary: "Forget the API's configuration of a channel", params: ChannelParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await channels.remove(request.params.channel);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/deliveries',
      { schema: { tags, summary: 'Outbox entries, newest first: status, attempts, last error', querystring: DeliveriesQuery, response: { 200: DeliveryList, ...errors } } },
      async (request) => ({ deliveries: await deliveries.list(request.query) }),
    );
  };
}
