/**
 * A minimal HTTP/1.1 keep-alive client connection: one request at a time,
 * answers read by Content-Length. node:http's client costs about a core at
 * ~7k requests/s on this machine, which would make the load generator, not
 * the server, the limit of the single-event scenario; this costs a fraction.
 */
import { connect, type Socket } from 'node:net';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

const headerEnd = Buffer.from('\r\n\r\n');
const contentLength = /^content-length:\s*(\d+)/im;

export class Connection {
  readonly #host: string;
  readonly #port: number;
  #socket: Socket | undefined;
  #received: Buffer = Buffer.alloc(0);
  #waiting: { resolve: (answer: Answer) => void; reject: (error: Error) => void } | undefined;

  constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
  }

  /** Sends `head` (request line and headers, without the blank line) and `body`; resolves with the answer. */
  request(head: string, body: string): Promise<Answer> {
    if (this.#waiting) return Promise.reject(new Error('one request at a time per connection'));
    const socket = (this.#socket ??= this.#open());
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      socket.write(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }

  close(): void {
    this.#socket?.destroy();
  }

  #open(): Socket {
    const socket = connect(this.#port, this.#host);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    const fail = (error: Error): void => {
      this.#socket = undefined;
      this.#received = Buffer.alloc(0);
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
    return socket;
  }

  #read(chunk: Buffer): void {
    this.#received = this.#received.length === 0 ? chunk : Buffer.concat([this.#received, chunk]);
    const end = this.#received.indexOf(headerEnd);
    if (end === -1) return;
    const head = this.#received.toString('latin1', 0, end);
    const length = contentLength.exec(head)?.[1];
    if (length === undefined) {
      this.#socket?.destroy(new Error(`answer without content-length: ${head.split('\r\n')[0]}`));
      return;
    }
    const bodyEnd = end + headerEnd.length + Number(length);
    if (this.#received.length < bodyEnd) return;
    const answer = { status: Number(head.slice(9, 12)), body: this.#received.toString('utf8', end + headerEnd.length, bodyEnd) };
    this.#received = this.#received.subarray(bodyEnd);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(answer);
  }
}
