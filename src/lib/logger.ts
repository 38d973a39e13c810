import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
}

/** Structured JSON logs on stdout; secrets are redacted wherever they may appear. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    level: options.level ?? 'info',
    base: { service: 'tessera' },
    redact: {
      paths: ['req.headers.authorization', 'writeKey', '*.writeKey', 'token', '*.token', 'password', '*.password'],
      censor: '[redacted]',
    },
  });
}

/** A logger that drops everything; for tests and library use without a sink. */
export const silentLogger: Logger = pino({ level: 'silent' });
