import { resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import type { FieldProblem } from '../lib/errors.js';
import { err, ok, type Result } from '../lib/result.js';
import { compileValidator } from '../lib/validator.js';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const Config = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535, description: 'HTTP port; 0 picks a free one' }),
  host: Type.String({ minLength: 1 }),
  dataDir: Type.String({ minLength: 1 }),
  adminToken: Type.Optional(Type.String({ minLength: 16 })),
  logLevel: Type.Enum(logLevels),
  dedupeWindowDays: Type.Number({ exclusiveMinimum: 0 }),
  maxInflightMessages: Type.Integer({ minimum: 1 }),
  rejectionRetentionDays: Type.Number({ exclusiveMinimum: 0 }),
  stateCacheMb: Type.Integer({ minimum: 1 }),
  configFile: Type.Optional(Type.String({ minLength: 1 })),
  smtpUrl: Type.Optional(Type.String({ pattern: '^smtps?://', description: 'smtp://user:pass@host:port or smtps://...' })),
  smtpFrom: Type.Optional(Type.String({ minLength: 3 })),
  publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  vapidPublicKey: Type.Optional(Type.String({ minLength: 1 })),
  vapidPrivateKey: Type.Optional(Type.String({ minLength: 1 })),
  vapidSubject: Type.Optional(Type.String({ pattern: '^(mailto:|https://)' })),
});
export type Config = Static<typeof Config>;

/** Each setting, the environment variable that sets it, and its default. */
export const settings: readonly { key: keyof Config; env: string; fallback?: string; numeric?: true; doc: string }[] = [
  { key: 'port', env: 'PORT', fallback: '8080', numeric: true, doc: 'HTTP port' },
  { key: 'host', env: 'HOST', fallback: '0.0.0.0', doc: 'Interface to listen on' },
  { key: 'dataDir', env: 'TESSERA_DATA_DIR', fallback: './.tessera', doc: 'Where the embedded stores keep their files' },
  {
    key: 'adminToken',
    env: 'TESSERA_ADMIN_TOKEN',
    doc: 'Bearer token for /api/v1 (16+ characters); generated and stored in the data dir when unset',
  },
  { key: 'logLevel', env: 'TESSERA_LOG_LEVEL', fallback: 'info', doc: `Log level: ${logLevels.join(', ')}` },
  { key: 'dedupeWindowDays', env: 'TESSERA_DEDUPE_WINDOW_DAYS', fallback: '7', numeric: true, doc: 'How long a (source, messageId) is remembered for deduplication' },
  {
    key: 'maxInflightMessages',
    env: 'TESSERA_MAX_INFLIGHT_MESSAGES',
    fallback: '50000',
    numeric: true,
    doc: 'Messages waiting for disk beyond which tracking calls get 429 with Retry-After',
  },
  { key: 'rejectionRetentionDays', env: 'TESSERA_REJECTION_RETENTION_DAYS', fallback: '30', numeric: true, doc: 'How long rejected messages are kept' },
  {
    key: 'stateCacheMb',
    env: 'TESSERA_STATE_CACHE_MB',
    fallback: '256',
    numeric: true,
    doc: 'Page cache of the operational store (state.db), in MB: the identity graph and profiles the stages keep rewriting',
  },
  { key: 'configFile', env: 'TESSERA_CONFIG', doc: 'JSON file with identity and profile rules (see "Identity and profiles" in the README)' },
  { key: 'smtpUrl', env: 'TESSERA_SMTP_URL', doc: 'Email over SMTP: smtp://user:pass@host:port (or smtps://); /api/v1/channels/email overrides it' },
  { key: 'smtpFrom', env: 'TESSERA_SMTP_FROM', doc: 'Sender of email: address, or "Name <address>" (default Tessera <tessera@localhost>)' },
  { key: 'publicUrl', env: 'TESSERA_PUBLIC_URL', doc: 'Base URL people reach this server at, for tracking and unsubscribe links (default: the listen address)' },
  { key: 'vapidPublicKey', env: 'TESSERA_VAPID_PUBLIC_KEY', doc: 'Web push VAPID public key (base64url); with the private key, else a pair is generated into the data dir' },
  { key: 'vapidPrivateKey', env: 'TESSERA_VAPID_PRIVATE_KEY', doc: 'Web push VAPID private key (base64url); secret' },
  { key: 'vapidSubject', env: 'TESSERA_VAPID_SUBJECT', doc: 'Contact push services see: mailto: or https: URL (default mailto:push@tessera.invalid)' },
];

const validateConfig = compileValidator(Config);

/**
 * Reads the configuration from environment variables, with `overrides` (from
 * CLI flags) taking precedence. Problems name the variable to fix.
 */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: Partial<Config> = {}): Result<Config, FieldProblem[]> {
  const raw: Record<string, unknown> = {};
  for (const { key, env: name, fallback, numeric } of settings) {
    const text = env[name] === undefined || env[name] === '' ? fallback : env[name];
    if (text === undefined) continue;
    raw[key] = numeric && /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
  }
  Object.assign(raw, Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)));
  const checked = validateConfig(raw);
  if (!checked.ok) {
    return err(
      checked.error.map((problem) => {
        const setting = settings.find((s) => s.key === problem.field);
        const value = setting ? raw[setting.key] : undefined;
        return {
          ...problem,
          field: setting?.env ?? problem.field,
          message: `${problem.message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`,
        };
      }),
    );
  }
  return ok({ ...checked.value, dataDir: resolve(checked.value.dataDir) });
}
