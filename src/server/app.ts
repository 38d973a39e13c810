import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Logger } from '../lib/logger.js';
import type { App, Services } from './http.js';
import { parseJsonBody } from './json-body.js';
import { requireAdminToken } from './plugins/admin-auth.js';
import { registerErrorHandling } from './plugins/errors.js';
import { channelsPlugin } from './plugins/channels.js';
import { engagementPlugin } from './plugins/engagement.js';
import { inboxPlugin } from './plugins/inbox.js';
import { eventsPlugin } from './plugins/events.js';
import { importsPlugin } from './plugins/imports.js';
import { operationsPlugin } from './plugins/operations.js';
import { privacyPlugin } from './plugins/privacy.js';
import { pushPlugin } from './plugins/push.js';
import { profilesPlugin } from './plugins/profiles.js';
import { segmentsPlugin } from './plugins/segments.js';
import { smsStatusPlugin } from './plugins/sms-status.js';
import { traitsPlugin } from './plugins/traits.js';
import { journeysPlugin } from './plugins/journeys.js';
import { matchesPlugin } from './plugins/matches.js';
import { sourcesPlugin } from './plugins/sources.js';
import { suppressionsPlugin } from './plugins/suppressions.js';
import { templatesPlugin } from './plugins/templates.js';
import { trackingPlugin } from './plugins/tracking.js';
import { webhookDeadLettersPlugin } from './plugins/webhook-dead-letters.js';

const version = '0.1.0';

/**
 * Builds the HTTP application: the tracking API on /v1 (write keys), the
 * management API on /api/v1 (admin bearer token) with its OpenAPI document,
 * and the operational endpoints. Each area is its own encapsulated plugin.
 */
export async function buildApp(services: Services, logger: Logger): Promise<App> {
  const app: App = Fastify<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger>({
    loggerInstance: logger,
    // Per-request logs would dwarf the events at ingest rates; metrics and error logs cover requests.
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown fields are refused with a message, not silently stripped.
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
    trustProxy: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerErrorHandling(app);
  // Connections busy when close() starts would stay open afterwards, idle, for the keep-alive
  // timeout (72 s) and hold shutdown up; so once closing, each response closes its connection.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close');
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJsonBody);
  app.addHook('onResponse', async (request, reply) => {
    services.metrics.httpRequests.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tessera',
        version,
        description: 'Tracking API (Segment-compatible, write keys) and management API (admin bearer token).',
      },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer' },
          writeKey: { type: 'http', scheme: 'basic', description: 'The write key as the username, empty password' },
        },
      },
    },
  });

  await app.register(operationsPlugin(services));
  await app.register(trackingPlugin(services));
  await app.register(engagementPlugin(services));
  await app.register(pushPlugin(services));
  await app.register(inboxPlugin(services));
  await app.register(smsStatusPlugin(services));
  await app.register(async (api: App) => {
    api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    await api.register(async (admin: App) => {
      requireAdminToken(admin, services.adminToken);
      admin.addHook('onRoute', (route) => {
        route.schema = { ...route.schema, security: [{ adminToken: [] }] };
      });
      await admin.register(sourcesPlugin(services));
      await admin.register(eventsPlugin(services));
      await admin.register(profilesPlugin(services));
      await admin.register(matchesPlugin(services));
      await admin.register(segmentsPlugin(services));
      await admin.register(traitsPlugin(services));
      await admin.register(journeysPlugin(services));
      await admin.register(privacyPlugin(services));
      await admin.register(suppressionsPlugin(services));
      await admin.register(templatesPlugin(services));
      await admin.register(channelsPlugin(services));
      await admin.register(webhookDeadLettersPlugin(services));
      await admin.register(importsPlugin(services));
    });
  }, { prefix: '/api/v1' });

  return app;
}
