/**
 * Identifier extraction: which identifiers of a person a logged message
 * carries. Values are normalized so that one person always yields the same
 * value (`Jane@X.com` and `jane@x.com` are one email), and placeholder values
 * (`null`, `test@test.com`, an all-zero advertising id) are dropped: one such
 * value shared by thousands of messages would merge unrelated people.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { internalContextOf, type CollectedMessage, type IdentityConfig } from '../contracts/index.js';
import { identifierKey, parseIdentifierKey, type Identifier } from './identifier.js';

export interface IdentifierTypeRule {
  /** Most values of this type one profile may hold; null means unlimited. */
  readonly limit: number | null;
  /** Higher wins: a message attaches to the profile of its highest-priority identifier. */
  readonly priority: number;
}

/** Keys into the message, from its root: `['context', 'traits', 'email']`. */
export type MessagePath = readonly string[];

export type AliasPreviousIdType = NonNullable<IdentityConfig['aliasPreviousIdType']>;

export interface EmailRules {
  /** Lower-case domains whose mailboxes ignore dots in the local part. */
  readonly ignoreDotsForDomains: ReadonlySet<string>;
  readonly stripPlusTags: boolean;
}

/** The identity config with its defaults applied and its patterns compiled. */
export interface IdentityRules {
  /** Every known type (built-in, custom, or named in `rules`) with its limit and priority. */
  readonly types: ReadonlyMap<string, IdentifierTypeRule>;
  /** The rule of a type; unknown types get `{ limit: null, priority: 0 }`. */
  rule(type: string): IdentifierTypeRule;
  /** Where each type's values are read in a message. */
  readonly sources: ReadonlyMap<string, readonly MessagePath[]>;
  readonly aliasPreviousIdType: AliasPreviousIdType;
  readonly email: EmailRules;
  /** The country of phone numbers written without a `+` prefix. */
  readonly phoneRegion: CountryCode;
  /** Blocked values, trimmed and lower-cased. */
  readonly blockedValues: ReadonlySet<string>;
  /** Case-insensitive; a value matching any of them is blocked. */
  readonly blockedPatterns: readonly RegExp[];
}

interface BuiltInType extends IdentifierTypeRule {
  readonly type: string;
  readonly from: readonly string[];
}

const builtInTypes: readonly BuiltInType[] = [
  { type: 'user_id', limit: 1, priority: 100, from: ['userId'] },
  { type: 'email', limit: 5, priority: 80, from: ['traits.email', 'context.traits.email', 'properties.email'] },
  { type: 'phone', limit: 5, priority: 70, from: ['traits.phone', 'context.traits.phone', 'properties.phone'] },
  { type: 'device_id', limit: null, priority: 40, from: ['context.device.id'] },
  { type: 'advertising_id', limit: null, priority: 30, from: ['context.device.advertisingId'] },
  { type: 'anonymous_id', limit: null, priority: 10, from: ['anonymousId'] },
];

const customTypeDefaults: IdentifierTypeRule = Object.freeze({ limit: null, priority: 60 });
const unknownTypeRule: IdentifierTypeRule = Object.freeze({ limit: null, priority: 0 });

/**
 * Placeholders that SDKs, forms and test scripts send in place of a real
 * value. Compared after trimming and lower-casing.
 */
const builtInBlockedValues: readonly string[] = [
  // Stringified absent values and filler words.
  '', 'null', 'undefined', 'none', 'nil', 'nan', 'n/a', 'na', '(null)', '(not set)', 'true', 'false', '[object object]',
  '0', '-1', 'anonymous', 'unknown', 'test', 'guest', 'user',
  // Emails typed into forms to get past them.
  'test@test.com', 'test@example.com', 'example@example.com', 'email@example.com', 'user@example.com',
  'noemail@noemail.com', 'no@email.com', 'none@none.com',
  // Device ids: the zero UUID (iOS without tracking consent), the literal "idfa", and the
  // ANDROID_ID that a bug gave to millions of Android 2.2 devices.
  '00000000-0000-0000-0000-000000000000', 'idfa', '9774d56d682e549c',
  // Phone numbers typed to get past forms.
  '0000000000', '1234567890', '+10000000000', '+11111111111', '+15555555555',
];

/** Advertising ids are zeros when the user opted out, with or without dashes. */
const zeroAdvertisingId = /^[0-]+$/;

/** One @, a non-empty local part, a domain of non-empty dot-separated labels; no whitespace. */
const emailShape = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

/**
 * Applies defaults to the identity config and compiles its patterns, once.
 * Throws an Error naming the offending entry when the config cannot work:
 * an invalid regular expression, an unknown phone region, or a custom type
 * declared twice.
 */
export function resolveIdentityRules(config: IdentityConfig | undefined): IdentityRules {
  const { types, sources } = resolveTypes(config);
  const email: EmailRules = Object.freeze({
    ignoreDotsForDomains: new Set((config?.email?.ignoreDotsForDomains ?? []).map((domain) => domain.trim().toLowerCase())),
    stripPlusTags: config?.email?.stripPlusTags ?? false,
  });
  const phoneRegion = resolvePhoneRegion(config?.phone?.defaultRegion);
  return Object.freeze({
    types,
    rule: (type: string) => types.get(type) ?? unknownTypeRule,
    sources,
    aliasPreviousIdType: config?.aliasPreviousIdType ?? 'anonymous_id',
    email,
    phoneRegion,
    blockedValues: resolveBlockedValues(config?.blockedValues ?? [], email, phoneRegion),
    blockedPatterns: Object.freeze((config?.blockedPatterns ?? []).map((source, index) => compileBlockedPattern(source, index))),
  });
}

/** Built-in types, then custom declarations, then `rules` overrides: the later wins. */
function resolveTypes(config: IdentityConfig | undefined): Pick<IdentityRules, 'types' | 'sources'> {
  const types = new Map<string, IdentifierTypeRule>();
  const sources = new Map<string, readonly MessagePath[]>();
  const declared = new Set<string>();
  for (const { type, limit, priority, from } of builtInTypes) {
    types.set(type, Object.freeze({ limit, priority }));
    sources.set(type, Object.freeze(from.map(toPath)));
  }
  for (const custom of config?.custom ?? []) {
    if (declared.has(custom.type)) {
      throw new Error(`identity.custom declares the identifier type '${custom.type}' twice; list all its paths in one entry`);
    }
    declared.add(custom.type);
    // A custom entry with a built-in name adds paths to that type (and keeps its normalization).
    types.set(custom.type, withOverride(types.get(custom.type) ?? customTypeDefaults, custom));
    sources.set(custom.type, Object.freeze([...(sources.get(custom.type) ?? []), ...custom.from.map(toPath)]));
  }
  for (const [type, override] of Object.entries(config?.rules ?? {})) {
    types.set(type, withOverride(types.get(type) ?? unknownTypeRule, override));
  }
  return { types, sources };
}

function withOverride(base: IdentifierTypeRule, override: { readonly limit?: number | null; readonly priority?: number }): IdentifierTypeRule {
  return Object.freeze({
    limit: override.limit === undefined ? base.limit : override.limit,
    priority: override.priority ?? base.priority,
  });
}

const toPath = (dotted: string): MessagePath => Object.freeze(dotted.split('.'));

function resolvePhoneRegion(region: string | undefined): CountryCode {
  const code = region ?? 'US';
  if (!isSupportedCountry(code)) throw new Error(`identity.phone.defaultRegion '${code}' is not a country with known phone numbering`);
  return code;
}

/**
 * Blocked values are compared with normalized values, so a configured
 * `Jane.Doe+x@Gmail.com` or `(201) 555-0123` also blocks its normalized form.
 */
function resolveBlockedValues(configured: readonly string[], email: EmailRules, region: CountryCode): ReadonlySet<string> {
  const blocked = new Set(builtInBlockedValues.map(blockKey));
  for (const value of configured) {
    for (const form of [value, normalizeEmailWith(value, email), normalizePhoneIn(value, region)]) {
      if (form !== undefined) blocked.add(blockKey(form));
    }
  }
  return blocked;
}

function compileBlockedPattern(source: string, index: number): RegExp {
  try {
    // Case-insensitive like the blocked values; there are no inline flags in JavaScript to ask for it.
    return new RegExp(source, 'i');
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`identity.blockedPatterns[${index}] "${source}" is not a valid regular expression: ${why}`, { cause: error });
  }
}

const blockKey = (value: string): string => value.trim().toLowerCase();

/**
 * The identifiers a message carries: normalized, without blocked values,
 * each type+value once, sorted by `compareByPriority` (the first one decides
 * which profile the message attaches to).
 */
export function extractIdentifiers(message: CollectedMessage, rules: IdentityRules): Identifier[] {
  const found = new Map<string, Identifier>();
  const add = (type: string, raw: unknown): void => {
    const value = normalizeValue(type, raw, rules);
    if (value === undefined || isBlocked(type, value, rules)) return;
    const identifier: Identifier = { type, value };
    found.set(identifierKey(identifier), identifier);
  };
  for (const [type, paths] of rules.sources) {
    for (const path of paths) add(type, valueAt(message, path));
  }
  // An alias says previousId and userId are one person; elsewhere previousId means nothing.
  if (message.type === 'alias') add(rules.aliasPreviousIdType, message.previousId);
  // Messages Tessera writes about a profile name it by one of its identifiers.
  for (const key of internalContextOf(message)?.identifiers ?? []) {
    const identifier = parseIdentifierKey(key);
    if (identifier) add(identifier.type, identifier.value);
  }
  return [...found.values()].sort((a, b) => compareByPriority(a, b, rules));
}

function valueAt(root: unknown, path: MessagePath): unknown {
  let node = root;
  for (const key of path) {
    // Own keys only, so `traits.constructor` never reads Object.prototype.
    if (!isPlainRecord(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

const isPlainRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function normalizeValue(type: string, raw: unknown, rules: IdentityRules): string | undefined {
  const text = scalarText(raw);
  if (text === undefined || text === '') return undefined;
  if (type === 'email') return normalizeEmail(text, rules);
  if (type === 'phone') return normalizePhone(text, rules);
  return text;
}

/** Strings trimmed, finite numbers as decimal digits; anything else is not an identifier. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  // String(1e21) is '1e+21'; an integer id should keep its digits.
  return Number.isInteger(value) ? BigInt(value).toString() : String(value);
}

/**
 * Lower-cases an email and applies the configured mailbox equivalences
 * (dots ignored for some domains, `+tag` dropped); undefined when the text
 * does not look like an email.
 */
export function normalizeEmail(raw: string, rules: IdentityRules): string | undefined {
  return normalizeEmailWith(raw, rules.email);
}

function normalizeEmailWith(raw: string, rules: EmailRules): string | undefined {
  const email = raw.trim().toLowerCase();
  if (!emailShape.test(email)) return undefined;
  const at = email.indexOf('@');
  const domain = email.slice(at + 1);
  let local = email.slice(0, at);
  if (rules.stripPlusTags) local = local.replace(/\+.*$/s, '');
  if (rules.ignoreDotsForDomains.has(domain)) local = local.replaceAll('.', '');
  return local === '' ? undefined : `${local}@${domain}`;
}

/**
 * A valid phone number in E.164 (`+12015550123`), read in the configured
 * region unless it starts with `+`; undefined when it is not a valid number.
 */
export function normalizePhone(raw: string, rules: IdentityRules): string | undefined {
  return normalizePhoneIn(raw, rules.phoneRegion);
}

function normalizePhoneIn(raw: string, region: CountryCode): string | undefined {
  // extract: false so that the whole value must be a number, not text that contains one.
  const phone = parsePhoneNumberFromString(raw.trim(), { defaultCountry: region, extract: false });
  return phone?.isValid() === true ? phone.number : undefined;
}

/** True when the value must never link anything: a placeholder, configured value or pattern match. */
export function isBlocked(type: string, value: string, rules: IdentityRules): boolean {
  const key = blockKey(value);
  return (
    rules.blockedValues.has(key) ||
    (type === 'advertising_id' && zeroAdvertisingId.test(key)) ||
    rules.blockedPatterns.some((pattern) => pattern.test(value.trim()))
  );
}

/** Highest priority first, then type, then value: a total order, so sorting is deterministic. */
export function compareByPriority(a: Identifier, b: Identifier, rules: IdentityRules): number {
  return (
    compareOrdered(rules.rule(b.type).priority, rules.rule(a.type).priority) ||
    compareOrdered(a.type, b.type) ||
    compareOrdered(a.value, b.value)
  );
}

/** compareByPriority over identifier keys (`type:value`); a key without a type counts as a type of its own. */
export function keyComparator(rules: IdentityRules): (a: string, b: string) => number {
  const parse = (key: string): Identifier => parseIdentifierKey(key) ?? { type: key, value: '' };
  return (a, b) => compareByPriority(parse(a), parse(b), rules);
}

/** By code unit, not locale, so the order is the same on every machine. */
const compareOrdered = <T extends string | number>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);
