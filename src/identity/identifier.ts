/** An identifier of a person: its type (user_id, email, phone, loyalty_id...) and normalized value. */
export interface Identifier {
  readonly type: string;
  readonly value: string;
}

/** `email:jane@example.com`: how identifiers are written in APIs and used as keys. */
export const identifierKey = (identifier: Identifier): string => `${identifier.type}:${identifier.value}`;

/** Reads `type:value` (the value may itself contain colons); undefined when there is no type. */
export function parseIdentifierKey(key: string): Identifier | undefined {
  const colon = key.indexOf(':');
  if (colon <= 0 || colon === key.length - 1) return undefined;
  return { type: key.slice(0, colon), value: key.slice(colon + 1) };
}
