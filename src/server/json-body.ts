import type { FastifyRequest } from 'fastify';
import { parse } from 'secure-json-parse';
import { TesseraError } from '../lib/errors.js';
import { describeJsonError } from '../lib/json-error-location.js';

/**
 * Whether the text might spell a `__proto__` or `constructor` key: written
 * out, or hidden behind a \u escape. When it cannot, which is nearly always,
 * plain JSON.parse gives the same result as secure-json-parse without its
 * whole-body regex scans, which cost more than the parse itself on batches.
 */
const mayReachPrototypes = (text: string): boolean =>
  text.includes('\\u') || text.includes('"__proto__"') || text.includes('"constructor"');

function parseSafely(text: string): unknown {
  if (mayReachPrototypes(text)) return parse(text, { protoAction: 'remove', constructorAction: 'remove' });
  // A leading byte order mark is skipped, as secure-json-parse does.
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

/**
 * Parses a JSON body, saying where it breaks ("... at position 17") and
 * dropping `__proto__` / `constructor.prototype` keys (prototype poisoning).
 */
export function parseJsonBody(
  _request: FastifyRequest,
  body: Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  if (body.length === 0) {
    done(new TesseraError('TESSERA_ERR_MALFORMED_BODY', 'the body is empty; send a JSON object'), undefined);
    return;
  }
  try {
    done(null, parseSafely(body.toString('utf8')));
  } catch (error) {
    const where = describeJsonError(body.toString('utf8'), (error as Error).message);
    done(new TesseraError('TESSERA_ERR_MALFORMED_BODY', `body is not valid JSON: ${where}`), undefined);
  }
}
