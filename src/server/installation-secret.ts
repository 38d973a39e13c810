import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The secret erased identifiers are hashed with (see identity/erased-identifiers.ts),
 * kept in the data dir (mode 0600) and backed up with it: without it, erased
 * people are no longer recognised.
 */
const secretBytes = 32;

export const erasureSecretFile = (dataDir: string): string => join(dataDir, 'erasure-secret');

/** The secret in `file`, or undefined when there is none yet. */
export async function readSecret(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const secret = Buffer.from(text.trim(), 'hex');
  if (secret.length < secretBytes) throw new Error(`${file} does not hold an erasure secret (${secretBytes * 2} hex digits)`);
  return secret;
}

/** The secret in `file`, created (32 random bytes) when there is none; a file created meanwhile by another process wins. */
export async function readOrCreateSecret(file: string): Promise<Buffer> {
  const existing = await readSecret(file);
  if (existing !== undefined) return existing;
  const secret = randomBytes(secretBytes);
  try {
    await writeFile(file, `${secret.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = await readSecret(file);
    if (raced === undefined) throw error;
    return raced;
  }
}
