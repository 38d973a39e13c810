/** Opaque page cursors: base64url of a JSON array, so callers cannot depend on their shape. */
export const encodeCursor = (parts: readonly (string | number)[]): string =>
  Buffer.from(JSON.stringify(parts)).toString('base64url');

/** Decodes a cursor made by encodeCursor; undefined when it was not one. */
export function decodeCursor(cursor: string): (string | number)[] | undefined {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.every((p) => typeof p === 'string' || typeof p === 'number')) {
      return parts;
    }
  } catch {
    // fall through: not a cursor of ours
  }
  return undefined;
}
