import { readFile, writeFile } from 'node:fs/promises';
import webpush from 'web-push';

/** The application server's VAPID identity (RFC 8292): the browser subscribes with the public key. */
export interface VapidKeys {
  /** Uncompressed P-256 public key, base64url: the `applicationServerKey` a page subscribes with. */
  readonly publicKey: string;
  /** Secret: signs each request's JWT; never returned nor logged. */
  readonly privateKey: string;
  /** A mailto: or https: URL push services can contact the sender at. */
  readonly subject: string;
}

export interface VapidSource {
  readonly publicKey?: string | undefined;
  readonly privateKey?: string | undefined;
  readonly subject?: string | undefined;
}

const defaultSubject = 'mailto:push@tessera.invalid';

/**
 * The VAPID keys: from the environment when both halves are given there;
 * else from `file` in the data dir, created with a fresh key pair on first
 * start, readable by the owner only. Browsers' subscriptions are bound to the
 * public key, so losing the file means every browser must subscribe again.
 */
export async function loadVapidKeys(file: string, env: VapidSource): Promise<VapidKeys> {
  const subject = env.subject ?? defaultSubject;
  if (env.publicKey !== undefined && env.privateKey !== undefined) return { publicKey: env.publicKey, privateKey: env.privateKey, subject };
  const stored = await readKeys(file);
  if (stored !== undefined) return { ...stored, subject };
  const generated = webpush.generateVAPIDKeys();
  try {
    // 'wx': of two processes starting at once, the first to write wins and the other reads its keys.
    await writeFile(file, JSON.stringify(generated), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    const raced = (error as NodeJS.ErrnoException).code === 'EEXIST' ? await readKeys(file) : undefined;
    if (raced === undefined) throw error;
    return { ...raced, subject };
  }
  return { ...generated, subject };
}

async function readKeys(file: string): Promise<{ publicKey: string; privateKey: string } | undefined> {
  try {
    const { publicKey, privateKey } = JSON.parse(await readFile(file, 'utf8')) as { publicKey: string; privateKey: string };
    return { publicKey, privateKey };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
