import { chmod, readFile, writeFile } from 'node:fs/promises';
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
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as { publicKey: string; privateKey: string };
    return { publicKey: stored.publicKey, privateKey: stored.privateKey, subject };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const generated = webpush.generateVAPIDKeys();
  // 'wx': two processes starting at once never overwrite each other's keys.
  await writeFile(file, JSON.stringify(generated), { flag: 'wx', mode: 0o600 });
  await chmod(file, 0o600);
  return { ...generated, subject };
}
