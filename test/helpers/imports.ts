import type { ImportMapping } from '../../src/contracts/index.js';
import { adminToken, type JsonBody, type TestTessera } from './tessera.js';

/** Creates an import; fails the test on anything but 201. */
export async function createImport(
  tessera: TestTessera,
  body: { sourceId: string; format: string; mapping: ImportMapping; fileKey?: string; fileName?: string },
): Promise<JsonBody> {
  const created = await tessera.api<JsonBody>('POST', '/imports', body);
  if (created.status !== 201) throw new Error(`import creation failed: ${JSON.stringify(created.body)}`);
  return created.body;
}

/** PUTs a file (text, or chunks as they are produced) to an import, streamed. */
export async function uploadImport(
  tessera: TestTessera,
  id: string,
  body: string | AsyncIterable<string | Uint8Array>,
  options: { offset?: number; contentType?: string; signal?: AbortSignal } = {},
): Promise<{ status: number; body: JsonBody }> {
  const response = await fetch(`${tessera.url}/api/v1/imports/${id}/data?offset=${options.offset ?? 0}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': options.contentType ?? 'text/csv' },
    body: body as RequestInit['body'],
    duplex: 'half',
    ...(options.signal && { signal: options.signal }),
  } as RequestInit);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text)) };
}

/** Polls an import until `done` says so (at most `timeoutMs`). */
export async function waitForImport(tessera: TestTessera, id: string, done: (body: JsonBody) => boolean, timeoutMs = 60_000): Promise<JsonBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await tessera.api<JsonBody>('GET', `/imports/${id}`);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`import ${id} never got there: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
