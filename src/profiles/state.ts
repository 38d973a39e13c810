/**
 * The golden record's state. A profile is a set of fragments and a fragment a
 * set of messages; profiles merge and split, and messages arrive out of order.
 * So the state is a pure function of the set of messages: each message
 * contributes a small state (`contributionOf`), and states combine with
 * `mergeStates`, which is commutative and associative with `emptyState` as its
 * neutral element. Everything here is plain JSON (it is stored as such) and is
 * never mutated: merging returns new objects and may share unchanged parts.
 */
import {
  internalContextOf,
  consentChannels,
  consentPurposes,
  type Channel,
  type CollectedMessage,
  type ConsentChannel,
  type ConsentPurpose,
  type ConsentState,
  type ConsentTarget,
  type ProfilesConfig,
  type SurvivorshipRule,
} from '../contracts/index.js';
import { compareStrings, mergeRecords, own, sortedRecord, toJsonValue, type JsonValue } from './plain-data.js';
import { aggregatesOfMessage, emptyRegistry, mergeAggregates, type AggregateAccumulator, type AggregateRegistry } from './aggregates.js';
import { accumulate, heldValues, mergeAccumulators, readAs, survivor, type Lineage, type Tally, type TraitAccumulator } from './survivorship.js';

export type { Lineage, Tally, TraitAccumulator } from './survivorship.js';
export type { JsonValue } from './plain-data.js';

export interface ConsentEntry {
  readonly state: ConsentState;
  /** Event time of the message that said so. */
  readonly at: string;
  readonly provenance: { readonly sourceId: string; readonly messageId: string };
}

export interface ProfileState {
  readonly traits: Readonly<Record<string, TraitAccumulator>>;
  /** Keyed `${channel}:${purpose}`. */
  readonly consent: Readonly<Record<string, ConsentEntry>>;
  /** Sorted, unique. */
  readonly channels: readonly Channel[];
  /** Earliest and latest event time. */
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  /** How many messages contributed. */
  readonly messages: number;
  /** Event aggregates by definition id (see aggregates.ts). */
  readonly aggregates: Readonly<Record<string, AggregateAccumulator>>;
}

export interface ResolvedTraitRule {
  readonly rule: SurvivorshipRule;
  /** For source_priority, most trusted first; empty otherwise. */
  readonly sources: readonly string[];
}

/** ProfilesConfig with defaults applied and indexed for lookups. */
export interface ProfileRules {
  /** Configured traits; any other trait uses `latest`. */
  readonly traits: ReadonlyMap<string, ResolvedTraitRule>;
  /** By event name: which property (a dotted path) becomes which trait. */
  readonly traitsFromEvents: ReadonlyMap<string, readonly { readonly property: string; readonly trait: string }[]>;
  /** Segment consent category -> what it covers. */
  readonly consentCategories: ReadonlyMap<string, readonly ConsentTarget[]>;
  /** Boolean trait -> what it grants (true) or denies (false). */
  readonly consentTraits: ReadonlyMap<string, readonly ConsentTarget[]>;
  /** The event aggregates messages feed; registered by the segments stage. */
  readonly aggregates: AggregateRegistry;
}

/** The trait group calls feed; a union unless configured otherwise. */
export const groupsTrait = 'groups';
const latest: ResolvedTraitRule = { rule: 'latest', sources: [] };

/** Defaults applied: `latest` for unconfigured traits, `union` for `groups`, empty mappings. */
export function resolveProfileRules(config: ProfilesConfig | undefined, aggregates: AggregateRegistry = emptyRegistry): ProfileRules {
  const traits = new Map<string, ResolvedTraitRule>([[groupsTrait, { rule: 'union', sources: [] }]]);
  for (const [name, rule] of Object.entries(config?.traits ?? {})) traits.set(name, { rule: rule.rule, sources: rule.sources ?? [] });
  const traitsFromEvents = new Map<string, { property: string; trait: string }[]>();
  for (const { event, property, trait } of config?.traitsFromEvents ?? []) {
    traitsFromEvents.set(event, [...(traitsFromEvents.get(event) ?? []), { property, trait }]);
  }
  return {
    traits,
    traitsFromEvents,
    consentCategories: new Map(Object.entries(config?.consent?.categories ?? {})),
    consentTraits: new Map(Object.entries(config?.consent?.traits ?? {})),
    aggregates,
  };
}

export const ruleOf = (rules: ProfileRules, trait: string): ResolvedTraitRule => rules.traits.get(trait) ?? latest;

export const emptyState: ProfileState = { traits: {}, consent: {}, channels: [], firstSeen: null, lastSeen: null, messages: 0, aggregates: {} };

/** Collected timestamps are already `toISOString` output; an unparsable one is kept as sent rather than dropping the message. */
const normalizeTimestamp = (timestamp: string): string => {
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? timestamp : new Date(ms).toISOString();
};

/** The state one message adds: its traits, consent, channel and time, counted once. */
export function contributionOf(message: CollectedMessage, rules: ProfileRules): ProfileState {
  const timestamp = normalizeTimestamp(message.timestamp);
  const lineage: Lineage = { sourceId: message.sourceId, messageId: message.messageId, timestamp };
  const traits = new Map<string, TraitAccumulator>();
  for (const [name, value] of traitValues(message, rules)) {
    const accumulator = accumulate(ruleOf(rules, name).rule, value, lineage);
    if (accumulator === undefined) continue;
    const seen = traits.get(name);
    // Two event mappings may feed one trait from one message: merged like any two values.
    traits.set(name, seen === undefined ? accumulator : mergeAccumulators(seen, accumulator));
  }
  const aggregates = aggregatesOfMessage(message, timestamp, rules.aggregates);
  // What Tessera says about a person (Segment Entered, a journey's profile update) is not the person's own
  // activity: it sets traits and feeds aggregates, but adds no channel, time seen or message count.
  if (internalContextOf(message) !== undefined) return { ...emptyState, traits: sortedRecord(traits), aggregates };
  return {
    traits: sortedRecord(traits),
    consent: consentOfMessage(message, rules, lineage),
    channels: [message.channel],
    firstSeen: timestamp,
    lastSeen: timestamp,
    messages: 1,
    aggregates,
  };
}

/**
 * The traits a message sets: identify traits (group traits describe the
 * group, not the person, and are left out), the group id, and mapped track
 * properties. Values are normalized to plain JSON; ones without a JSON form
 * (undefined) are skipped, null is a value.
 */
function traitValues(message: CollectedMessage, rules: ProfileRules): [string, JsonValue][] {
  const found: [string, unknown][] = [];
  if (message.type === 'identify') found.push(...Object.entries(message.traits ?? {}));
  if (message.type === 'group' && message.groupId !== undefined) found.push([groupsTrait, message.groupId]);
  if (message.type === 'track' && message.event !== undefined) {
    for (const { property, trait } of rules.traitsFromEvents.get(message.event) ?? []) {
      const value = valueAt(message.properties ?? {}, property);
      if (value !== undefined) found.push([trait, value]);
    }
  }
  return found.flatMap(([name, value]) => {
    const json = toJsonValue(value);
    return json === undefined ? [] : [[name, json]];
  });
}

/** `path` in `properties`: a key literally named so first (`"order.total"`), else a dotted walk (`order` -> `total`). */
function valueAt(properties: Readonly<Record<string, unknown>>, path: string): unknown {
  return Object.hasOwn(properties, path) ? properties[path] : walk(properties, path.split('.'));
}

/** Own members only, through objects and arrays; undefined where the path ends early. */
function walk(from: unknown, keys: readonly string[]): unknown {
  let current = from;
  for (const key of keys) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const consentKey = (target: ConsentTarget): string => `${target.channel}:${target.purpose}`;

/**
 * Latest `at` wins, then message id, then source id. Left with a tie only
 * within one message that says both (two categories covering one target):
 * then denied wins, the safe reading.
 */
function laterConsent(a: ConsentEntry, b: ConsentEntry): ConsentEntry {
  const order =
    compareStrings(a.at, b.at) ||
    compareStrings(a.provenance.messageId, b.provenance.messageId) ||
    compareStrings(a.provenance.sourceId, b.provenance.sourceId) ||
    (a.state === b.state ? 0 : a.state === 'denied' ? 1 : -1);
  return order >= 0 ? a : b;
}

/** Consent from Segment's `context.consent.categoryPreferences` and from boolean identify traits, as configured. */
function consentOfMessage(message: CollectedMessage, rules: ProfileRules, lineage: Lineage): Readonly<Record<string, ConsentEntry>> {
  const said: [readonly ConsentTarget[] | undefined, unknown][] = [];
  const preferences = walk(message.context, ['consent', 'categoryPreferences']);
  if (preferences !== null && typeof preferences === 'object' && !Array.isArray(preferences)) {
    for (const [category, given] of Object.entries(preferences)) said.push([rules.consentCategories.get(category), given]);
  }
  if (message.type === 'identify') {
    for (const [trait, given] of Object.entries(message.traits ?? {})) said.push([rules.consentTraits.get(trait), given]);
  }
  const entries = new Map<string, ConsentEntry>();
  const provenance = { sourceId: lineage.sourceId, messageId: lineage.messageId };
  for (const [targets, given] of said) {
    if (typeof given !== 'boolean') continue;
    const entry: ConsentEntry = { state: given ? 'granted' : 'denied', at: lineage.timestamp, provenance };
    for (const target of targets ?? []) {
      const seen = entries.get(consentKey(target));
      entries.set(consentKey(target), seen === undefined ? entry : laterConsent(seen, entry));
    }
  }
  return sortedRecord(entries);
}

const sortedUnion = <T extends string>(a: readonly T[], b: readonly T[]): readonly T[] =>
  b.every((item) => a.includes(item)) ? a : [...new Set([...a, ...b])].sort(compareStrings);

const earliest = (a: string | null, b: string | null): string | null => (a === null ? b : b === null || a <= b ? a : b);
const latestOf = (a: string | null, b: string | null): string | null => (a === null ? b : b === null || a >= b ? a : b);

/**
 * Whether merging `state` into another changes nothing: what a Segment
 * Entered or a journey step says about a person, when no trait or aggregate
 * takes it up. Such a message needs no write of the golden record.
 */
export function isNeutral(state: ProfileState): boolean {
  return (
    state.messages === 0 &&
    state.firstSeen === null &&
    state.lastSeen === null &&
    state.channels.length === 0 &&
    Object.keys(state.traits).length === 0 &&
    Object.keys(state.consent).length === 0 &&
    Object.keys(state.aggregates).length === 0
  );
}

/** Commutative and associative, with `emptyState` neutral: traits by their rules, consent by latest statement. */
export function mergeStates(a: ProfileState, b: ProfileState): ProfileState {
  return {
    traits: mergeRecords(a.traits, b.traits, mergeAccumulators),
    consent: mergeRecords(a.consent, b.consent, laterConsent),
    channels: sortedUnion(a.channels, b.channels),
    firstSeen: earliest(a.firstSeen, b.firstSeen),
    lastSeen: latestOf(a.lastSeen, b.lastSeen),
    messages: a.messages + b.messages,
    aggregates: mergeAggregates(a.aggregates, b.aggregates),
  };
}

export interface GoldenTrait {
  readonly value: unknown;
  /** The configured rule the value was chosen by. */
  readonly rule: SurvivorshipRule;
  /** Of the winning value; for union, of the latest addition. */
  readonly lineage: Lineage;
}

/**
 * Each trait's surviving value under the configured rules (see `readAs` for
 * data accumulated under another rule); a trait with nothing left (an empty
 * union) is absent. Values are shared with the state, not copied: read-only.
 */
export function goldenTraits(state: ProfileState, rules: ProfileRules): Record<string, GoldenTrait> {
  const golden: [string, GoldenTrait][] = [];
  for (const [name, accumulator] of Object.entries(state.traits)) {
    const { rule, sources } = ruleOf(rules, name);
    const read = readAs(accumulator, rule);
    const winner = read && survivor(read, sources);
    if (winner !== undefined) golden.push([name, { value: winner.value, rule, lineage: winner.lineage }]);
  }
  return { ...sortedRecord(golden) };
}

/** Every value held for each trait, oldest first, whatever the rules make of them: the golden value is one of them. */
export function traitLineage(state: ProfileState): Record<string, Tally[]> {
  return { ...sortedRecord(Object.entries(state.traits).map(([name, accumulator]) => [name, heldValues(accumulator)] as const)) };
}

/** Every channel and purpose, null where the person never said. */
export function consentOf(state: ProfileState): Record<ConsentChannel, Record<ConsentPurpose, ConsentEntry | null>> {
  const forChannel = (channel: ConsentChannel) =>
    Object.fromEntries(consentPurposes.map((purpose) => [purpose, own(state.consent, consentKey({ channel, purpose })) ?? null])) as Record<
      ConsentPurpose,
      ConsentEntry | null
    >;
  return Object.fromEntries(consentChannels.map((channel) => [channel, forChannel(channel)])) as Record<
    ConsentChannel,
    Record<ConsentPurpose, ConsentEntry | null>
  >;
}
