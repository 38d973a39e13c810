import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomToken } from '../lib/ids.js';

export interface AdminToken {
  readonly token: string;
  /** True when this start generated the token; it is shown to the operator once. */
  readonly generated: boolean;
  /** Where a generated token is kept, when it came from the data dir. */
  readonly file: string | undefined;
}

/**
 * The management API token: from configuration when set; otherwise the one
 * stored in the data dir; otherwise a new one, written there (mode 0600).
 */
export async function resolveAdminToken(configured: string | undefined, dataDir: string): Promise<AdminToken> {
  if (configured !== undefined) return { token: configured, generated: false, file: undefined };
  const file = join(dataDir, 'admin-token');
  try {
    return { token: (await readFile(file, 'utf8')).trim(), generated: false, file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = `tsa_${randomToken(40)}`;
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, generated: true, file };
}
