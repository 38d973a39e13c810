import { createHash, timingSafeEqual } from 'node:crypto';
import { TesseraError } from '../../lib/errors.js';
import type { App } from '../http.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Requires `Authorization: Bearer <admin token>` on every route of the scope it
 * is registered in. Compared in constant time.
 */
export function requireAdminToken(app: App, token: string): void {
  const expected = digest(token);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      throw new TesseraError(
        'TESSERA_ERR_UNAUTHORIZED',
        presented === undefined
          ? 'missing admin token: send "Authorization: Bearer <token>" (TESSERA_ADMIN_TOKEN, or the admin-token file in the data dir)'
          : 'the admin token is not valid',
      );
    }
  });
}
