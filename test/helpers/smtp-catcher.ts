import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  readonly to: string;
  readonly parsed: ParsedMail;
}

export interface SmtpCatcher {
  readonly url: string;
  readonly mails: CaughtMail[];
  /** Every RCPT TO the server was asked for, accepted or not. */
  readonly attempts: string[];
  close(): Promise<void>;
}

/**
 * A real SMTP server on a free local port that keeps every message it
 * accepts, parsed. Recipients starting with `bounce` get a 550 (a hard
 * bounce), those starting with `later` a 451 (a transient failure).
 * `replyDelayMs` holds each message's final reply back, as a slow server would.
 */
export async function startSmtpCatcher(options: { replyDelayMs?: number } = {}): Promise<SmtpCatcher> {
  const mails: CaughtMail[] = [];
  const attempts: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      attempts.push(address.address);
      if (address.address.startsWith('bounce')) {
        const error = Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 });
        callback(error);
        return;
      }
      if (address.address.startsWith('later')) {
        callback(Object.assign(new Error('4.2.0 Try again later'), { responseCode: 451 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          for (const rcpt of session.envelope.rcptTo) mails.push({ to: rcpt.address, parsed });
          setTimeout(callback, options.replyDelayMs ?? 0);
        },
        (error: Error) => callback(error),
      );
    },
  });
  // The crash tests kill the sender mid-session; the reset connection is its crash, not the catcher's.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
