import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface ApiTarget {
  readonly url: string;
  readonly token: string;
}

/** A failure the CLI reports in one clear line and exits non-zero for. */
export class CliError extends Error {
  /** The HTTP status, when the server answered with an error. */
  readonly status: number | undefined;
  /** The server's TESSERA_ERR_* code, when it gave one. */
  readonly code: string | undefined;

  constructor(message: string, options: { status?: number; code?: string } = {}) {
    super(message);
    this.status = options.status;
    this.code = options.code;
  }
}

/**
 * Where the management API is and how to authenticate: flags first, then
 * TESSERA_URL / TESSERA_ADMIN_TOKEN, then the token file in the data dir.
 */
export async function resolveTarget(flags: { url?: string; token?: string; dataDir?: string }, env: NodeJS.ProcessEnv): Promise<ApiTarget> {
  const url = (flags.url ?? env.TESSERA_URL ?? `http://127.0.0.1:${env.PORT ?? '8080'}`).replace(/\/$/, '');
  let token = flags.token ?? env.TESSERA_ADMIN_TOKEN;
  if (token === undefined) {
    const file = join(resolve(flags.dataDir ?? env.TESSERA_DATA_DIR ?? './.tessera'), 'admin-token');
    try {
      token = (await readFile(file, 'utf8')).trim();
    } catch {
      throw new CliError(`no admin token: pass --token, set TESSERA_ADMIN_TOKEN, or run from the directory holding ${file}`);
    }
  }
  return { url, token };
}

/** Calls the management API; throws CliError with the server's own message on failure. */
export async function callApi<T>(target: ApiTarget, method: string, path: string, body?: unknown): Promise<T> {
  const json = body !== undefined;
  return send<T>(target, method, path, json ? JSON.stringify(body) : undefined, json ? 'application/json' : undefined);
}

/**
 * Streams `body` (a file being read) to the management API, for uploads that
 * must not be held in memory; the answer is read like callApi's.
 */
export function streamToApi<T>(target: ApiTarget, method: string, path: string, body: AsyncIterable<Uint8Array>, contentType: string): Promise<T> {
  return send<T>(target, method, path, body, contentType);
}

async function send<T>(target: ApiTarget, method: string, path: string, body: string | AsyncIterable<Uint8Array> | undefined, contentType: string | undefined): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${target.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(contentType !== undefined && { 'content-type': contentType }),
      },
      ...(body !== undefined && { body: body as RequestInit['body'] }),
      // Node's fetch streams an async iterable body only when told the request is half duplex.
      ...(body !== undefined && typeof body !== 'string' && { duplex: 'half' }),
    } as RequestInit);
  } catch (error) {
    throw new CliError(`cannot reach Tessera at ${target.url} (${(error as Error).message}); is it running? Start it with \`tessera start\`.`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new CliError(`${target.url} answered ${response.status} ${response.statusText} without JSON; is that Tessera's URL?`);
  }
  if (!response.ok) {
    const { message, code } = (parsed ?? {}) as { message?: string; code?: string };
    throw new CliError(`${response.status}: ${message ?? response.statusText}`, { status: response.status, ...(code !== undefined && { code }) });
  }
  return parsed as T;
}
