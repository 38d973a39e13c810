import { createServer, type Server } from 'node:http';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMessage {
  readonly id: number;
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly receivedAt: string;
  readonly text: string;
  readonly html: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface MailCatcher {
  readonly smtpUrl: string;
  /** Where the caught mail is listed: GET {httpUrl}/demo/mail (JSON), /demo/mail/{id} (the HTML part). */
  readonly httpUrl: string;
  readonly messages: readonly CaughtMessage[];
  close(): Promise<void>;
}

/** Messages kept; the oldest go first beyond this. */
const keep = 5_000;

const listen = (server: Server | SMTPServer, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const net = server instanceof SMTPServer ? server.server : server;
    net.once('error', reject);
    net.listen(port, host, () => {
      const address = net.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });

/**
 * The demo's stand-in for a mail provider: an SMTP server on loopback that
 * accepts every message, and a small HTTP server to read them. Nothing leaves
 * the machine.
 */
export async function startMailCatcher(options: { smtpPort: number; httpPort: number; host?: string }): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const messages: CaughtMessage[] = [];
  let nextId = 1;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          const headers = Object.fromEntries(mail.headerLines.map((h) => [h.key, h.line.replace(/^[^:]*:\s*/, '').replace(/\r?\n[ \t]+/g, '')]));
          for (const rcpt of session.envelope.rcptTo) {
            messages.push({
              id: nextId++,
              to: rcpt.address,
              from: mail.from?.text ?? '',
              subject: mail.subject ?? '',
              receivedAt: new Date().toISOString(),
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : null,
              headers,
            });
          }
          if (messages.length > keep) messages.splice(0, messages.length - keep);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  // A sender that goes away mid-session (a restart, a crash) resets its connection; smtp-server
  // reports that as an error event, which must not end the demo.
  smtp.on('error', () => undefined);
  const http = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://catcher');
    const one = /^\/demo\/mail\/(\d+)$/.exec(url.pathname);
    if (url.pathname === '/demo/mail' || url.pathname === '/demo/mail/') {
      const list = messages
        .slice(-200)
        .reverse()
        .map(({ id, to, from, subject, receivedAt }) => ({ id, to, from, subject, receivedAt, url: `/demo/mail/${id}` }));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ total: messages.length, messages: list }, null, 2));
      return;
    }
    const message = one === null ? undefined : messages.find((m) => m.id === Number(one[1]));
    if (message !== undefined) {
      const wantsJson = url.searchParams.get('format') === 'json';
      if (wantsJson) response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(message, null, 2));
      else response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(message.html ?? `<pre>${message.text.replace(/</g, '&lt;')}</pre>`);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('GET /demo/mail lists the caught mail; /demo/mail/{id} shows one\n');
  });
  const smtpPort = await listen(smtp, options.smtpPort, host);
  const httpPort = await listen(http, options.httpPort, host);
  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    httpUrl: `http://${host}:${httpPort}`,
    messages,
    close: async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
