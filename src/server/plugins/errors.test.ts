import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { TesseraError } from '../../lib/errors.js';
import type { App } from '../http.js';
import { registerErrorHandling } from './errors.js';

const appThrowing = async (error: unknown): Promise<App> => {
  const app = Fastify() as unknown as App;
  registerErrorHandling(app);
  app.get('/boom', async () => {
    throw error;
  });
  await app.ready();
  return app;
};

describe('error replies', () => {
  it('maps a coded error to its status, with Retry-After when retryable', async () => {
    const app = await appThrowing(new TesseraError('TESSERA_ERR_OVERLOADED', 'slow down', { retryAfterSeconds: 2 }));
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.json()).toEqual({ statusCode: 429, code: 'TESSERA_ERR_OVERLOADED', error: 'Too Many Requests', message: 'slow down' });
  });

  it('hides unexpected errors behind a 500 that names the request', async () => {
    const app = await appThrowing(new Error('database password is hunter2'));
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json().code).toBe('TESSERA_ERR_INTERNAL');
    expect(res.body).not.toContain('hunter2');
    expect(res.json().message).toMatch(/request req-\d+/);
  });
});
