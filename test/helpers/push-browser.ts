/**
 * The browser's side of web push, for tests: a subscription's keys (as
 * PushManager.subscribe makes them) and the decryption of a push message body
 * (RFC 8291 over the aes128gcm content coding of RFC 8188), done with
 * node:crypto only, independently of the library that encrypted it.
 */
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';

export interface BrowserKeys {
  /** What the browser hands the application: base64url p256dh and auth. */
  readonly keys: { readonly p256dh: string; readonly auth: string };
  decrypt(body: Buffer): string;
}

const hkdf = (ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer => Buffer.from(hkdfSync('sha256', ikm, salt, info, length));

export function browserKeys(): BrowserKeys {
  const ecdh = createECDH('prime256v1');
  const uaPublic = ecdh.generateKeys();
  const authSecret = randomBytes(16);
  return {
    keys: { p256dh: uaPublic.toString('base64url'), auth: authSecret.toString('base64url') },
    decrypt(body) {
      // RFC 8188 header: salt (16) | record size (uint32) | key id length (1) | key id (the sender's public key).
      const salt = body.subarray(0, 16);
      const recordSize = body.readUInt32BE(16);
      const idLength = body.readUInt8(20);
      const asPublic = body.subarray(21, 21 + idLength);
      const records = body.subarray(21 + idLength);
      // RFC 8291 section 3.4: the input keying material from the ECDH secret and the auth secret.
      const sharedSecret = ecdh.computeSecret(asPublic);
      const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
      const ikm = hkdf(sharedSecret, authSecret, keyInfo, 32);
      const cek = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
      const baseNonce = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12);
      const plain: Buffer[] = [];
      for (let offset = 0, seq = 0; offset < records.length; offset += recordSize, seq++) {
        const record = records.subarray(offset, Math.min(offset + recordSize, records.length));
        const nonce = Buffer.from(baseNonce);
        // The record's sequence number is XORed into the nonce's low bytes (32 bits: JS bit operators stop there).
        nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
        const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
        decipher.setAuthTag(record.subarray(record.length - 16));
        const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
        // Padding: a delimiter (2 in the last record, 1 before) then zeros.
        let end = padded.length - 1;
        while (end >= 0 && padded[end] === 0) end--;
        if (padded[end] !== 2 && padded[end] !== 1) throw new Error('no padding delimiter');
        plain.push(padded.subarray(0, end));
      }
      return Buffer.concat(plain).toString('utf8');
    },
  };
}
