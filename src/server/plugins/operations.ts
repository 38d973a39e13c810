import Type from 'typebox';
import type { App, Services } from '../http.js';

/** Liveness, readiness and Prometheus metrics; unauthenticated, for orchestrators and scrapers. */
export function operationsPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const Status = Type.Object({ status: Type.String() });
    app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Status } } }, async () => ({
      status: 'ok',
    }));
    app.get(
      '/readyz',
      { schema: { tags: ['operations'], summary: 'Ready once storage is open and the log is replayed', response: { 200: Status, 503: Status } } },
      async (_request, reply) =>
        services.isReady() ? { status: 'ready' } : reply.code(503).send({ status: 'starting: replaying the log' }),
    );
    app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics', hide: true } }, async (_request, reply) => {
      const { registry } = services.metrics;
      return reply.header('content-type', registry.contentType).send(await registry.metrics());
    });
  };
}
