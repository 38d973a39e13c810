import { err, ok, type Result } from '../lib/result.js';
import { parseIdentifierKey } from './identifier.js';
import { normalizeEmail, normalizePhone, type IdentityRules } from './identifiers.js';

/** Identifier types are snake_case (see IdentifierType in the contracts). */
const typePattern = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * A `type:value` typed by a person (an API caller, a CSV file) as the graph
 * stores it: emails lower-cased with the configured mailbox rules, phones in
 * E.164, other values trimmed. The error says what is wrong, in words.
 */
export function normalizeIdentifierKey(key: string, rules: IdentityRules): Result<string, string> {
  const identifier = parseIdentifierKey(key.trim());
  if (identifier === undefined) return err(`"${key}" is not type:value, e.g. email:jane@example.com`);
  const { type, value } = identifier;
  if (!typePattern.test(type)) return err(`"${type}" is not an identifier type (snake_case, e.g. email, user_id, loyalty_id)`);
  const normalized = type === 'email' ? normalizeEmail(value, rules) : type === 'phone' ? normalizePhone(value, rules) : value.trim();
  if (normalized === undefined || normalized === '') return err(`"${value}" is not a valid ${type}`);
  return ok(`${type}:${normalized}`);
}
