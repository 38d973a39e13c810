import Type from 'typebox';
import type { App, Services } from '../http.js';

/** A transparent 1x1 GIF. */
const pixel = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
// In the query, not the path: click tokens carry the URL and outgrow Fastify's path parameter limit.
const TokenQuery = Type.Object({ t: Type.String({ minLength: 1, maxLength: 8_000 }) });
const refused = 'This link is not valid: it was changed or not made by this server.';

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>` +
  `<body style="font-family:sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">${body}</body></html>`;

/**
 * The public engagement routes under /t (no admin token): they act only on a
 * token Tessera signed (see channels/engagement/signed-links.ts), so nobody
 * can record engagement for another person, unsubscribe them, or use the
 * click redirect to send people elsewhere. A bad token is a 400, never a
 * redirect.
 */
export function engagementPlugin(services: Services) {
  return async (app: App): Promise<void> => {
    const { engagement } = services.delivery;
    const hide = { hide: true };
    // One-click unsubscribe (RFC 8058) posts `List-Unsubscribe=One-Click` as a form.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    app.get('/t/o', { schema: { ...hide, querystring: TokenQuery } }, async (request, reply) => {
      const verified = await engagement.verify(request.query.t, 'open');
      if (verified.ok) await engagement.opened(verified.delivery);
      // A pixel either way: mail clients show broken images, and a refusal would tell nothing useful.
      return reply.type('image/gif').header('cache-control', 'no-store').send(pixel);
    });

    app.get('/t/c', { schema: { ...hide, querystring: TokenQuery } }, async (request, reply) => {
      const verified = await engagement.verify(request.query.t, 'click');
      if (!verified.ok || verified.payload.kind !== 'click') return reply.code(400).type('text/plain').send(refused);
      await engagement.clicked(verified.delivery, verified.payload.url);
      return reply.redirect(verified.payload.url, 302);
    });

    app.get('/t/u', { schema: { ...hide, querystring: TokenQuery } }, async (request, reply) => {
      const verified = await engagement.verify(request.query.t, 'unsubscribe');
      if (!verified.ok) return reply.code(400).type('text/html').send(page('Invalid link', `<p>${refused}</p>`));
      // GET only asks: link scanners follow every link in a mail, and must not unsubscribe anyone.
      return reply
        .type('text/html')
        .send(
          page(
            'Unsubscribe',
            `<h1>Unsubscribe</h1><p>Stop receiving these messages?</p><form method="post"><button type="submit">Unsubscribe</button></form>`,
          ),
        );
    });

    app.post('/t/u', { schema: { ...hide, querystring: TokenQuery } }, async (request, reply) => {
      const verified = await engagement.verify(request.query.t, 'unsubscribe');
      if (!verified.ok) return reply.code(400).type('text/html').send(page('Invalid link', `<p>${refused}</p>`));
      const oneClick = typeof request.body === 'string' && request.body.includes('List-Unsubscribe=One-Click');
      await engagement.unsubscribe(verified.delivery, oneClick ? 'one-click' : 'link');
      return reply.type('text/html').send(page('Unsubscribed', '<h1>You are unsubscribed</h1><p>You will not receive these messages any more.</p>'));
    });
  };
}
