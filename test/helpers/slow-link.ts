/**
 * An HTTP proxy that forwards request bodies at a limited rate, as a slow
 * network does. A client killed mid-upload through it is really cut off
 * mid-upload, however fast the machine; loopback alone would have delivered
 * the whole body before the kill.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform, pipeline } from 'node:stream';

export interface SlowLink {
  readonly url: string;
  close(): Promise<void>;
}

/** A stream that lets through at most `bytesPerSecond`, in pieces of a tenth of that. */
function throttle(bytesPerSecond: number): Transform {
  const piece = Math.max(1, Math.floor(bytesPerSecond / 10));
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const pieces: Buffer[] = [];
      for (let at = 0; at < chunk.length; at += piece) pieces.push(chunk.subarray(at, at + piece));
      const next = (): void => {
        const head = pieces.shift();
        if (head === undefined) return done();
        this.push(head);
        setTimeout(next, 100);
      };
      next();
    },
  });
}

export async function startSlowLink(target: string, bytesPerSecond: number): Promise<SlowLink> {
  const upstream = new URL(target);
  const server: Server = createServer((incoming, outgoing) => {
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    // The client going away cuts the upstream request too, as a dropped connection would.
    pipeline(incoming, throttle(bytesPerSecond), forwarded, (error) => {
      if (error) outgoing.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
