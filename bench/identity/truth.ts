/**
 * Ground truth: which person owns each identifier the stream carries, and
 * how a resulting identity graph compares with it.
 *
 * Every identifier belongs to the person who generated it, except the two
 * that a household shares: its email goes to whichever member used it first
 * (by event time, then messageId: Tessera's rule), and so does the POS
 * account keyed by that email, which only ever travels with it.
 *
 * `referenceGraph` applies the documented linking rule (in event-time order,
 * the message's highest-priority identifier is the anchor; each other
 * identifier joins the anchor's group unless the group would then hold more
 * values of a type than its limit) with a plain union-find, independent of
 * Tessera's code; the benchmark checks that it reproduces the truth, so the
 * truth is what the rule must give and not an artefact of the generator.
 */
import { Kind, type Person, type PlannedEvent, type Population } from './population.js';

/** Identifier key (`type:value`, as Tessera writes it) to the index of its owner. */
export type Truth = ReadonlyMap<string, number>;

const priority: Record<string, number> = { user_id: 100, email: 80, phone: 70, device_id: 40, anonymous_id: 10 };
const limits: Record<string, number> = { user_id: 1, email: 5, phone: 5 };
const typeOf = (key: string): string => key.slice(0, key.indexOf(':'));
const byPriority = (a: string, b: string): number =>
  (priority[typeOf(b)] ?? 0) - (priority[typeOf(a)] ?? 0) || (typeOf(a) < typeOf(b) ? -1 : typeOf(a) > typeOf(b) ? 1 : a < b ? -1 : a > b ? 1 : 0);

/** The identifiers one event carries, normalized as Tessera stores them, highest priority first. */
export function identifiersOf(person: Person, event: PlannedEvent): string[] {
  const keys: string[] = [];
  switch (event.kind) {
    case Kind.Pos:
      keys.push(`email:${person.email}`, `anonymous_id:${person.posAccount}`);
      if (event.withPhone) keys.push(`phone:${person.phone!}`);
      break;
    case Kind.Call:
      keys.push(`phone:${person.phone!}`, `anonymous_id:${person.callerRecord!}`);
      break;
    default: {
      const device = person.devices[event.device]!;
      keys.push(`anonymous_id:${device.anonymousId}`);
      if (device.deviceId !== undefined) keys.push(`device_id:${device.deviceId}`);
      if (event.known) keys.push(`user_id:${person.userId}`);
      if (event.kind === Kind.Signup || event.kind === Kind.Login) keys.push(`email:${person.email}`);
      if (event.withPhone) keys.push(`phone:${person.phone!}`);
    }
  }
  return keys.sort(byPriority);
}

export function groundTruth(population: Population): Truth {
  const owner = new Map<string, number>();
  for (const event of population.events) {
    const person = population.people[event.person]!;
    for (const key of identifiersOf(person, event)) {
      if (owner.has(key)) continue;
      // First use by event time decides the household email; the POS account follows its email.
      const shared = key === `anonymous_id:${person.posAccount}` ? owner.get(`email:${person.email}`) : undefined;
      owner.set(key, shared ?? event.person);
    }
  }
  return owner;
}

/** Identifier key to a group id, by the documented rule applied in event-time order. */
export function referenceGraph(population: Population): Map<string, string> {
  const parent = new Map<string, string>();
  const counts = new Map<string, Record<string, number>>();
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let node = key; node !== root; ) {
      const next = parent.get(node)!;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  for (const event of population.events) {
    const keys = identifiersOf(population.people[event.person]!, event);
    for (const key of keys) {
      if (parent.has(key)) continue;
      parent.set(key, key);
      counts.set(key, { [typeOf(key)]: 1 });
    }
    const [anchor, ...rest] = keys;
    for (const key of rest) {
      const a = find(anchor!);
      const b = find(key);
      if (a === b) continue;
      const merged = { ...counts.get(a)! };
      for (const [type, n] of Object.entries(counts.get(b)!)) merged[type] = (merged[type] ?? 0) + n;
      if (Object.entries(merged).some(([type, n]) => limits[type] !== undefined && n > limits[type])) continue;
      parent.set(b, a);
      counts.set(a, merged);
    }
  }
  return new Map([...parent.keys()].map((key) => [key, find(key)]));
}

export interface Accuracy {
  readonly people: number;
  /** Distinct profiles holding at least one identifier of the stream. */
  readonly profiles: number;
  /** Profiles holding identifiers of two or more people. */
  readonly overMerged: number;
  /** People whose identifiers are spread over two or more profiles. */
  readonly underMerged: number;
  /** Identifiers of the truth the graph does not hold, and identifiers it holds the truth does not know. */
  readonly missing: number;
  readonly unexpected: number;
  /** A few offending cases, to look into. */
  readonly examples: readonly string[];
}

/** Compares a graph (identifier key to profile id) with the truth. */
export function compare(truth: Truth, graph: ReadonlyMap<string, string>, people: number): Accuracy {
  const ownersOf = new Map<string, Set<number>>();
  const profilesOf = new Map<number, Set<string>>();
  let missing = 0;
  let unexpected = 0;
  const examples: string[] = [];
  for (const [key, person] of truth) {
    const profile = graph.get(key);
    if (profile === undefined) {
      missing++;
      if (examples.length < 6) examples.push(`missing ${key} (person ${person})`);
      continue;
    }
    const owners = ownersOf.get(profile) ?? new Set<number>();
    ownersOf.set(profile, owners.add(person));
    const profiles = profilesOf.get(person) ?? new Set<string>();
    profilesOf.set(person, profiles.add(profile));
  }
  for (const key of graph.keys()) if (!truth.has(key)) unexpected++;
  let overMerged = 0;
  for (const [profile, owners] of ownersOf) {
    if (owners.size < 2) continue;
    overMerged++;
    if (examples.length < 12) examples.push(`profile ${profile} holds identifiers of people ${[...owners].slice(0, 4).join(', ')}`);
  }
  let underMerged = 0;
  for (const [person, profiles] of profilesOf) {
    if (profiles.size < 2) continue;
    underMerged++;
    if (examples.length < 18) examples.push(`person ${person} is spread over ${profiles.size} profiles`);
  }
  return { people, profiles: ownersOf.size, overMerged, underMerged, missing, unexpected, examples };
}
