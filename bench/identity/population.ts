/**
 * Synthetic shoppers of a retailer and the events they cause, from a seed:
 * the same options give the same people, events, times and messageIds on
 * every run. Nothing here knows Tessera; `truth.ts` says which identifiers
 * belong to whom.
 *
 * Each person browses anonymously on a first device (web, iOS or Android),
 * signs up there (identify with userId and email, for some a phone), then
 * browses as a known user; each further device starts anonymous and logs in
 * (identify with userId and email). Some add a phone later, buy in store (the
 * POS sends email, and the phone when the person has given one, without a
 * userId) or call the call centre (phone only). One person in ten shares one
 * email with another member of their household, each with their own userId.
 *
 * Two orderings are kept so that every identifier has one owner by Tessera's
 * rule (the household email goes to whoever used it first, by event time),
 * and nothing else becomes ambiguous: a household member who has a phone
 * gives it at signup, and store purchases and calls come after the signup and
 * after the phone is known. Both are how a store works anyway: the till looks
 * up a customer account, and the call centre calls a number on file.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { Random } from '../shared/random.js';

export type AppChannel = 'web' | 'ios' | 'android';
export type SourceChannel = AppChannel | 'pos' | 'call_center';
export const sourceChannels: readonly SourceChannel[] = ['web', 'ios', 'android', 'pos', 'call_center'];

export interface Device {
  readonly channel: AppChannel;
  readonly anonymousId: string;
  /** `context.device.id`, sent by the apps. */
  readonly deviceId: string | undefined;
}

export interface Person {
  readonly index: number;
  readonly userId: string;
  readonly firstName: string;
  readonly lastName: string;
  /** Normalized (lower case); both members of a household have the same. */
  readonly email: string;
  /** As this person types it into forms: sometimes capitalized. */
  readonly emailTyped: string;
  /** The other member of the household, when there is one. */
  readonly housemate: number | undefined;
  /** E.164, as Tessera normalizes it. */
  readonly phone: string | undefined;
  /** The same number as a call centre writes it: `(201) 555-0143`. */
  readonly phoneNational: string | undefined;
  readonly devices: readonly Device[];
  /** The POS customer account, keyed by email (so shared by a household). */
  readonly posAccount: string;
  /** The call centre's caller record, keyed by phone. */
  readonly callerRecord: string | undefined;
}

export const Kind = {
  /** page on web, screen in the apps */
  View: 0,
  Track: 1,
  /** identify with userId, email (and phone for some) right after creating the account */
  Signup: 2,
  /** identify with userId and email on a further device */
  Login: 3,
  /** identify with userId and other traits (the phone, for those who add it later) */
  Update: 4,
  /** in-store Order Completed: email (+ phone), no userId */
  Pos: 5,
  /** Call Completed from the call centre: phone only */
  Call: 6,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export interface PlannedEvent {
  readonly person: number;
  readonly kind: Kind;
  /** Index into the person's devices (web and app events). */
  readonly device: number;
  /** Carries the userId: app/web events once the device has logged in, and every identify. */
  readonly known: boolean;
  /** Identify and POS events: the phone is in the traits. */
  readonly withPhone: boolean;
  /** Chooses content (product, page, store...): no bearing on identity. */
  readonly variant: number;
  /** Milliseconds after `epoch`. */
  readonly time: number;
  /** Position in event-time order, which is also the messageId order. */
  seq: number;
  /** A unique trait value sent with this identify to time it through to the profile. */
  probe: string | undefined;
}

export interface PopulationOptions {
  readonly people: number;
  readonly events: number;
  readonly seed: number;
  readonly probes: number;
}

export interface Population {
  readonly people: readonly Person[];
  /** Sorted by event time (then messageId): the order Tessera's rule reads them in. */
  readonly events: readonly PlannedEvent[];
  readonly probes: readonly PlannedEvent[];
}

export const epoch = Date.UTC(2025, 2, 1);
const day = 24 * 3600 * 1000;

const firstNames = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Ava', 'Elijah', 'Sophia', 'Lucas', 'Mia', 'Mateo', 'Isla', 'Leo',
  'Chloe', 'Aarav', 'Zoe', 'Hugo', 'Nora', 'Ethan', 'Grace', 'Arjun', 'Lily', 'Omar', 'Freya', 'Yusuf', 'Hannah', 'Kenji',
  'Sofia', 'Finn', 'Maya', 'Luca', 'Aisha', 'Jack', 'Elena', 'Theo', 'Priya', 'Samuel', 'Ines', 'Felix',
];
const lastNames = [
  'Smith', 'Jones', 'Garcia', 'Miller', 'Davis', 'Martin', 'Lopez', 'Wilson', 'Anderson', 'Thomas', 'Moore', 'Jackson',
  'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams',
  'Nelson', 'Hill', 'Campbell', 'Mitchell', 'Roberts', 'Carter', 'Phillips', 'Evans', 'Turner', 'Torres', 'Parker',
  'Collins', 'Edwards', 'Stewart', 'Morris', 'Nguyen', 'Patel', 'Kim', 'Schmidt', 'Rossi', 'Dubois',
];
const domains = ['example.com', 'example.net', 'example.org', 'mail.example', 'post.example'];
const areaCodes = ['201', '212', '206', '303', '305', '312', '404', '415', '512', '617', '702', '713', '801', '919'];

/** What a person does, decided before how many pages they browse (which fills the event budget). */
interface Outline {
  readonly anonymousFirst: number;
  readonly phoneAtSignup: boolean;
  readonly phoneLater: boolean;
  readonly purchases: number;
  readonly calls: number;
  readonly updates: number;
}

const fixedEvents = (person: Person, o: Outline): number =>
  o.anonymousFirst + 1 + 2 * (person.devices.length - 1) + (o.phoneLater ? 1 : 0) + o.purchases + o.calls + o.updates;

export function generatePopulation(options: PopulationOptions): Population {
  const rng = new Random(options.seed);
  const people = makePeople(options.people, rng);
  const outlines = people.map((person) => outline(person, rng));
  const fixed = people.reduce((sum, person, i) => sum + fixedEvents(person, outlines[i]!), 0);
  const browsing = options.events - fixed;
  if (browsing < 0) {
    throw new Error(`${options.events} events are too few for ${options.people} people: their sign-ups, logins and purchases alone take ${fixed}`);
  }
  const budgets = spread(browsing, people.length, rng);

  const events: PlannedEvent[] = [];
  for (const [i, person] of people.entries()) plan(person, outlines[i]!, budgets[i]!, rng, events);
  // Stable sort: events of one person at the same millisecond keep their planned order.
  events.sort((a, b) => a.time - b.time);
  events.forEach((event, seq) => (event.seq = seq));
  return { people, events, probes: chooseProbes(events, options.probes, rng) };
}

function makePeople(count: number, rng: Random): Person[] {
  const phones = new Set<string>();
  const newPhone = (): { e164: string; national: string } => {
    for (;;) {
      const area = rng.pick(areaCodes);
      const exchange = rng.int(200, 999).toString();
      const line = rng.int(0, 9999).toString().padStart(4, '0');
      const e164 = `+1${area}${exchange}${line}`;
      if (phones.has(e164)) continue;
      const national = `(${area}) ${exchange}-${line}`;
      // Only numbers Tessera will accept, written both ways, so the truth holds what it will store.
      if (parsePhoneNumberFromString(e164)?.isValid() !== true) continue;
      if (parsePhoneNumberFromString(national, { defaultCountry: 'US' })?.number !== e164) continue;
      phones.add(e164);
      return { e164, national };
    }
  };
  const device = (first: boolean): Device => {
    const r = rng.float();
    const channel: AppChannel = r < (first ? 0.6 : 0.45) ? 'web' : r < 0.8 ? 'ios' : 'android';
    return { channel, anonymousId: rng.uuid(), deviceId: channel === 'web' ? undefined : rng.uuid().toUpperCase() };
  };

  // One in ten people lives in a household of two that shares one email.
  const order = rng.shuffle(Array.from({ length: count }, (_, i) => i));
  const housemate = new Map<number, number>();
  const pairs = Math.floor((count * 0.1) / 2);
  for (let h = 0; h < pairs; h++) {
    const [a, b] = [order[2 * h]!, order[2 * h + 1]!];
    housemate.set(a, b).set(b, a);
  }
  const householdEmail = new Map<number, string>();

  return Array.from({ length: count }, (_, index): Person => {
    const firstName = rng.pick(firstNames);
    const lastName = rng.pick(lastNames);
    const mate = housemate.get(index);
    let email = `${firstName}.${lastName}.${index.toString(36)}@${rng.pick(domains)}`.toLowerCase();
    if (mate !== undefined) {
      email = householdEmail.get(mate) ?? `${lastName}.family.${Math.min(index, mate).toString(36)}@${rng.pick(domains)}`.toLowerCase();
      householdEmail.set(index, email);
    }
    const emailTyped = rng.chance(0.3) ? email.replace(/(^|\.)([a-z])/g, (_, dot: string, c: string) => dot + c.toUpperCase()) : email;
    const phone = rng.chance(0.5) ? newPhone() : undefined;
    const deviceCount = rng.chance(0.55) ? 1 : rng.chance(0.65) ? 2 : 3;
    const devices = Array.from({ length: deviceCount }, (_, d) => device(d === 0));
    return {
      index,
      userId: `cus_${index.toString(36)}${rng.hex(6)}`,
      firstName,
      lastName,
      email,
      emailTyped,
      housemate: mate,
      phone: phone?.e164,
      phoneNational: phone?.national,
      devices,
      posAccount: `pos-${hash(email)}`,
      callerRecord: phone === undefined ? undefined : `cc-${hash(phone.e164)}`,
    };
  });
}

/** FNV-1a, as hex: a stable stand-in for another system's customer number. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  let g = 0x9747b28c;
  for (let i = text.length - 1; i >= 0; i--) g = Math.imul(g ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0') + (g >>> 0).toString(16).padStart(8, '0');
}

function outline(person: Person, rng: Random): Outline {
  const hasPhone = person.phone !== undefined;
  // A household member gives the phone at signup: given first at the till next to the shared
  // email, it would go (by the rule) to whoever owns that email.
  const phoneAtSignup = hasPhone && (person.housemate !== undefined || rng.chance(0.5));
  const buysInStore = rng.chance(0.35);
  return {
    anonymousFirst: rng.int(1, 3),
    phoneAtSignup,
    phoneLater: hasPhone && !phoneAtSignup,
    purchases: buysInStore ? rng.int(1, 3) : 0,
    calls: hasPhone && rng.chance(0.3) ? rng.int(1, 2) : 0,
    updates: rng.chance(0.25) ? 1 : 0,
  };
}

/** Splits `total` over `count` people unevenly (a few browse a lot), summing exactly to `total`. */
function spread(total: number, count: number, rng: Random): number[] {
  const weights = Array.from({ length: count }, () => rng.exponential(1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((w) => Math.floor((total * w) / sum));
  let left = total - shares.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % count, left--) shares[i]! += 1;
  return shares;
}

type Token =
  | { readonly kind: 'device'; readonly device: number }
  | { readonly kind: 'browse'; readonly size: number }
  | { readonly kind: 'update'; readonly phone: boolean }
  | { readonly kind: 'purchase' }
  | { readonly kind: 'call' };

/** Appends one person's events, in their own order, with times. */
function plan(person: Person, o: Outline, browsing: number, rng: Random, out: PlannedEvent[]): void {
  const tokens: Token[] = [];
  for (let d = 1; d < person.devices.length; d++) tokens.push({ kind: 'device', device: d });
  for (let left = browsing; left > 0; ) {
    const size = Math.min(left, rng.int(1, 6));
    tokens.push({ kind: 'browse', size });
    left -= size;
  }
  for (let i = 0; i < o.purchases; i++) tokens.push({ kind: 'purchase' });
  for (let i = 0; i < o.updates; i++) tokens.push({ kind: 'update', phone: false });
  if (o.phoneLater) tokens.push({ kind: 'update', phone: true });
  rng.shuffle(tokens);
  // Calls come once the phone is on file.
  const phoneAt = o.phoneLater ? tokens.findIndex((t) => t.kind === 'update' && t.phone) + 1 : 0;
  for (let i = 0; i < o.calls; i++) tokens.splice(rng.int(phoneAt, tokens.length), 0, { kind: 'call' });

  // A life of about a month, starting somewhere in the first two months.
  let time = Math.floor(rng.float() * 60 * day);
  const sessionGap = (30 * day) / (tokens.length + 1);
  const step = (): number => (time += rng.int(4_000, 90_000));
  const loggedIn = [0];
  let phoneKnown = o.phoneAtSignup;
  const push = (kind: Kind, device: number, known: boolean, withPhone = false): void => {
    out.push({ person: person.index, kind, device, known, withPhone, variant: rng.uint32(), time: step(), seq: 0, probe: undefined });
  };
  const browse = (device: number, known: boolean): void => push(rng.chance(0.55) ? Kind.View : Kind.Track, device, known);

  for (let i = 0; i < o.anonymousFirst; i++) browse(0, false);
  push(Kind.Signup, 0, true, o.phoneAtSignup);
  for (const token of tokens) {
    time += Math.floor(rng.exponential(sessionGap));
    switch (token.kind) {
      case 'device':
        browse(token.device, false);
        push(Kind.Login, token.device, true);
        loggedIn.push(token.device);
        break;
      case 'browse': {
        const device = rng.pick(loggedIn);
        for (let i = 0; i < token.size; i++) browse(device, true);
        break;
      }
      case 'update':
        push(Kind.Update, rng.pick(loggedIn), true, token.phone);
        if (token.phone) phoneKnown = true;
        break;
      case 'purchase':
        push(Kind.Pos, 0, false, phoneKnown);
        break;
      case 'call':
        push(Kind.Call, 0, false, true);
        break;
    }
  }
}

/**
 * Identify calls of distinct people, spread evenly over the stream, that will
 * carry a unique trait value: the benchmark times each from its acknowledgement
 * until the profile API shows the value.
 */
function chooseProbes(events: PlannedEvent[], count: number, rng: Random): PlannedEvent[] {
  const probes: PlannedEvent[] = [];
  const probed = new Set<number>();
  for (let i = 0; i < count; i++) {
    for (let at = Math.floor(((i + 0.5) * events.length) / count); at < events.length; at++) {
      const event = events[at]!;
      if (event.kind === Kind.View || event.kind === Kind.Track || event.kind === Kind.Pos || event.kind === Kind.Call) continue;
      if (probed.has(event.person) || event.probe !== undefined) continue;
      event.probe = `probe-${i}-${rng.hex(8)}`;
      probed.add(event.person);
      probes.push(event);
      break;
    }
  }
  return probes;
}
