/**
 * A synthetic customer file with known ground truth, from a seed: people with
 * names, emails, phones, addresses and birth dates, each appearing in one to
 * five records the way CRMs, shops and call centres would hold them: typos,
 * nicknames, swapped first/last names and day/month, missing values, new
 * emails and phones, and moves to a new address. Names follow a long-tailed
 * frequency (a few very common, many rare), towns have several postcodes,
 * and some people share a name, a birthday or a household address.
 */
import { Random } from '../shared/random.js';

const firstNames = [
  'james', 'john', 'robert', 'michael', 'william', 'david', 'richard', 'joseph', 'thomas', 'charles', 'christopher', 'daniel', 'matthew',
  'anthony', 'donald', 'mark', 'paul', 'steven', 'andrew', 'kenneth', 'joshua', 'kevin', 'brian', 'george', 'edward', 'ronald', 'timothy',
  'jason', 'jeffrey', 'ryan', 'jacob', 'gary', 'nicholas', 'eric', 'jonathan', 'stephen', 'larry', 'justin', 'scott', 'brandon', 'benjamin',
  'samuel', 'frank', 'gregory', 'raymond', 'alexander', 'patrick', 'jack', 'dennis', 'jerry', 'tyler', 'aaron', 'jose', 'henry', 'adam',
  'douglas', 'nathan', 'peter', 'zachary', 'kyle', 'walter', 'harold', 'jeremy', 'ethan', 'carl', 'keith', 'roger', 'gerald', 'christian',
  'terry', 'sean', 'arthur', 'austin', 'noah', 'lawrence', 'jesse', 'joe', 'bryan', 'billy', 'jordan', 'albert', 'dylan', 'bruce', 'willie',
  'gabriel', 'alan', 'juan', 'logan', 'wayne', 'ralph', 'roy', 'eugene', 'randy', 'vincent', 'russell', 'louis', 'philip', 'bobby', 'johnny',
  'mary', 'patricia', 'jennifer', 'linda', 'elizabeth', 'barbara', 'susan', 'jessica', 'sarah', 'karen', 'nancy', 'lisa', 'betty', 'margaret',
  'sandra', 'ashley', 'kimberly', 'emily', 'donna', 'michelle', 'dorothy', 'carol', 'amanda', 'melissa', 'deborah', 'stephanie', 'rebecca',
  'sharon', 'laura', 'cynthia', 'kathleen', 'amy', 'shirley', 'angela', 'helen', 'anna', 'brenda', 'pamela', 'nicole', 'emma', 'samantha',
  'katherine', 'christine', 'debra', 'rachel', 'catherine', 'carolyn', 'janet', 'ruth', 'maria', 'heather', 'diane', 'virginia', 'julie',
  'joyce', 'victoria', 'olivia', 'kelly', 'christina', 'lauren', 'joan', 'evelyn', 'judith', 'megan', 'cheryl', 'andrea', 'hannah', 'martha',
  'jacqueline', 'frances', 'gloria', 'ann', 'teresa', 'kathryn', 'sara', 'janice', 'jean', 'alice', 'madison', 'doris', 'abigail', 'julia',
  'judy', 'grace', 'denise', 'amber', 'marilyn', 'beverly', 'danielle', 'theresa', 'sophia', 'marie', 'diana', 'brittany', 'natalie', 'isabella',
  'charlotte', 'rose', 'alexis', 'kayla', 'aisha', 'mohammed', 'wei', 'priya', 'raj', 'yuki', 'ingrid', 'sven', 'fatima', 'omar', 'lucia', 'mateo',
];

/** Nicknames the generator uses (a person's records may use either form). */
const nicknames: Record<string, readonly string[]> = {
  james: ['jim', 'jimmy'], john: ['jack', 'johnny'], robert: ['bob', 'rob', 'bobby'], michael: ['mike', 'mick'], william: ['bill', 'will', 'billy'],
  david: ['dave'], richard: ['rick', 'dick', 'rich'], joseph: ['joe'], thomas: ['tom', 'tommy'], charles: ['charlie', 'chuck'], christopher: ['chris'],
  daniel: ['dan', 'danny'], matthew: ['matt'], anthony: ['tony'], donald: ['don'], steven: ['steve'], andrew: ['andy', 'drew'], kenneth: ['ken'],
  joshua: ['josh'], edward: ['ed', 'ted', 'eddie'], ronald: ['ron'], timothy: ['tim'], jeffrey: ['jeff'], nicholas: ['nick'], jonathan: ['jon'],
  samuel: ['sam'], gregory: ['greg'], alexander: ['alex'], patrick: ['pat'], benjamin: ['ben'], lawrence: ['larry'], elizabeth: ['liz', 'beth', 'betty'],
  patricia: ['pat', 'trish'], jennifer: ['jen', 'jenny'], margaret: ['maggie', 'peggy'], susan: ['sue'], jessica: ['jess'], kimberly: ['kim'],
  deborah: ['debbie', 'deb'], rebecca: ['becky'], katherine: ['kate', 'kathy'], catherine: ['cathy', 'kate'], christine: ['chris'], victoria: ['vicky'],
  samantha: ['sam'], pamela: ['pam'], cynthia: ['cindy'], judith: ['judy'], abigail: ['abby'], frances: ['fran'], theresa: ['tess'],
};

const syllables = ['an', 'ber', 'cal', 'dor', 'el', 'fin', 'gar', 'hol', 'ing', 'jen', 'kel', 'lan', 'mor', 'nor', 'os', 'per', 'quin', 'ros', 'sar',
  'tel', 'ur', 'van', 'wes', 'yar', 'zim', 'bro', 'cha', 'dre', 'fla', 'gri', 'har', 'kin', 'lou', 'mac', 'nel', 'ott', 'pri', 'ric', 'sto', 'tra'];
const surnameEnds = ['son', 'ton', 'ley', 'man', 'er', 'ford', 'well', 'berg', 'stein', 'ez', 'ski', 'wood', 'field', 'by', 'ham', 's', 'ard', 'ini'];
const townEnds = ['ville', 'ton', 'field', 'burg', 'ford', ' springs', ' city', 'wood', 'port', ' falls', 'dale', ' heights'];
const streetTypes = ['street', 'road', 'avenue', 'lane', 'drive', 'court', 'place', 'way', 'boulevard', 'close'];
const domains = ['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'aol.com', 'icloud.com', 'mail.com', 'proton.me', 'comcast.net', 'live.com'];

/** Index drawn with probability falling as 1/(rank+1)^s. */
class Zipf {
  readonly #cumulative: Float64Array;
  constructor(size: number, exponent: number) {
    this.#cumulative = new Float64Array(size);
    let sum = 0;
    for (let i = 0; i < size; i++) this.#cumulative[i] = sum += 1 / (i + 1) ** exponent;
    for (let i = 0; i < size; i++) this.#cumulative[i]! /= sum;
  }
  draw(random: Random): number {
    const x = random.float();
    let lo = 0;
    let hi = this.#cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function word(random: Random, parts: number, ends: readonly string[]): string {
  let w = '';
  for (let i = 0; i < parts; i++) w += random.pick(syllables);
  return w + random.pick(ends);
}

const keyboard = 'abcdefghijklmnopqrstuvwxyz';

/** One typo: a letter replaced, dropped, doubled or swapped with the next. */
function typo(random: Random, text: string): string {
  if (text.length < 2) return text;
  const at = random.int(0, text.length - 1);
  switch (random.int(0, 3)) {
    case 0:
      return text.slice(0, at) + keyboard[random.int(0, 25)] + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + text.slice(at + 1);
    case 2:
      return text.slice(0, at) + text[at] + text.slice(at);
    default:
      return at + 1 < text.length ? text.slice(0, at) + text[at + 1] + text[at] + text.slice(at + 2) : text.slice(0, -1);
  }
}

function digitTypo(random: Random, digits: string): string {
  const at = random.int(0, digits.length - 1);
  return digits.slice(0, at) + String(random.int(0, 9)) + digits.slice(at + 1);
}

interface Person {
  first: string;
  last: string;
  dob: string;
  email: string;
  phone: string;
  street: string;
  city: string;
  zip: string;
}

export interface SyntheticSet {
  readonly columns: readonly string[];
  /** Values by column, record by record. */
  readonly rows: Record<string, string[]>;
  readonly truth: Int32Array;
  readonly people: number;
}

export function generateCustomers(records: number, seed: number): SyntheticSet {
  const random = new Random(seed);
  const surnames = Array.from({ length: 60_000 }, (_, i) => (i < 40 ? ['smith', 'johnson', 'williams', 'brown', 'jones', 'garcia', 'miller', 'davis', 'rodriguez', 'martinez', 'hernandez', 'lopez', 'wilson', 'anderson', 'thomas', 'taylor', 'moore', 'jackson', 'martin', 'lee', 'thompson', 'white', 'harris', 'clark', 'lewis', 'robinson', 'walker', 'young', 'allen', 'king', 'wright', 'scott', 'hill', 'green', 'adams', 'baker', 'nelson', 'carter', 'mitchell', 'roberts'][i]! : word(random, random.int(1, 2), surnameEnds)));
  const surnameZipf = new Zipf(surnames.length, 0.9);
  const firstZipf = new Zipf(firstNames.length, 0.7);
  const towns = Array.from({ length: 3000 }, () => word(random, random.int(1, 2), townEnds));
  const townZipf = new Zipf(towns.length, 1);
  const townZips = towns.map(() => Array.from({ length: random.int(1, 6) }, () => String(random.int(10000, 99999))));
  const streets = Array.from({ length: 20_000 }, () => `${word(random, random.int(1, 2), [''])} ${random.pick(streetTypes)}`);

  const newAddress = (): { street: string; city: string; zip: string } => {
    const t = townZipf.draw(random);
    return { street: `${random.int(1, 2500)} ${random.pick(streets)}`, city: towns[t]!, zip: random.pick(townZips[t]!) };
  };
  // A mailbox belongs to one person: a provider hands out an address once, so a taken one gets digits added.
  const takenEmails = new Set<string>();
  const newEmail = (first: string, last: string): string => {
    const n = random.int(0, 99);
    const local = [`${first}.${last}`, `${first[0]}${last}`, `${first}${last}${n}`, `${first}_${n}`, `${last}.${first}${n}`][random.int(0, 4)]!;
    const domain = random.pick(domains);
    let email = `${local}@${domain}`;
    while (takenEmails.has(email)) email = `${local}${random.int(0, 9999)}@${domain}`;
    takenEmails.add(email);
    return email;
  };
  const newPhone = (): string => `${random.int(201, 989)}${random.int(200, 999)}${String(random.int(0, 9999)).padStart(4, '0')}`;

  const columns = ['id', 'first_name', 'last_name', 'dob', 'email', 'phone', 'street', 'city', 'zip'];
  const rows: Record<string, string[]> = Object.fromEntries(columns.map((c) => [c, []]));
  const truth = new Int32Array(records);
  let people = 0;
  let household: Person | undefined;
  const order: number[] = [];

  while (order.length < records) {
    const first = firstNames[firstZipf.draw(random)]!;
    // One person in twelve lives with someone already made (same surname and address, sometimes the phone).
    const sharesHome = household !== undefined && random.chance(0.08);
    const last = sharesHome ? household!.last : surnames[surnameZipf.draw(random)]!;
    const address = sharesHome ? { street: household!.street, city: household!.city, zip: household!.zip } : newAddress();
    const year = random.int(1940, 2006);
    const person: Person = {
      first,
      last,
      dob: `${year}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`,
      email: newEmail(first, last),
      phone: sharesHome && random.chance(0.2) ? household!.phone : newPhone(),
      ...address,
    };
    household = person;
    const copies = Math.min(records - order.length, [1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5][random.int(0, 11)]!);
    for (let c = 0; c < copies; c++) {
      const record = c === 0 ? { ...person } : corrupt(random, person, newAddress, newEmail, newPhone);
      const r = order.length;
      order.push(r);
      truth[r] = people;
      rows.id!.push(`c${r}`);
      rows.first_name!.push(record.first);
      rows.last_name!.push(record.last);
      rows.dob!.push(record.dob);
      rows.email!.push(record.email);
      rows.phone!.push(record.phone);
      rows.street!.push(record.street);
      rows.city!.push(record.city);
      rows.zip!.push(record.zip);
    }
    people++;
  }
  // Shuffle the records so that a person's records are not next to each other.
  const perm = random.shuffle(Array.from({ length: records }, (_, i) => i));
  const shuffled: Record<string, string[]> = Object.fromEntries(columns.map((c) => [c, perm.map((i) => rows[c]![i]!)]));
  return { columns, rows: shuffled, truth: Int32Array.from(perm, (i) => truth[i]!), people };
}

function corrupt(
  random: Random,
  person: Person,
  newAddress: () => { street: string; city: string; zip: string },
  newEmail: (first: string, last: string) => string,
  newPhone: () => string,
): Person {
  const r = { ...person };
  const nick = nicknames[r.first];
  if (nick && random.chance(0.3)) r.first = random.pick(nick);
  if (random.chance(0.12)) r.first = typo(random, r.first);
  if (random.chance(0.12)) r.last = typo(random, r.last);
  if (random.chance(0.02)) [r.first, r.last] = [r.last, r.first];
  if (random.chance(0.04)) r.dob = r.dob.slice(0, 5) + r.dob.slice(8, 10) + '-' + r.dob.slice(5, 7);
  else if (random.chance(0.05)) r.dob = r.dob.slice(0, 2) + digitTypo(random, r.dob.slice(2, 4)) + r.dob.slice(4);
  if (random.chance(0.06)) r.dob = '';
  if (random.chance(0.25)) {
    Object.assign(r, newAddress());
  } else {
    if (random.chance(0.08)) r.street = typo(random, r.street);
    if (random.chance(0.05)) r.city = typo(random, r.city);
    if (random.chance(0.05)) r.zip = digitTypo(random, r.zip);
  }
  if (random.chance(0.15)) r.email = newEmail(person.first, person.last);
  else if (random.chance(0.04)) r.email = typo(random, r.email);
  if (random.chance(0.25)) r.email = '';
  if (random.chance(0.12)) r.phone = newPhone();
  else if (random.chance(0.04)) r.phone = digitTypo(random, r.phone);
  if (random.chance(0.3)) r.phone = '';
  if (random.chance(0.2)) r.phone = `(${r.phone.slice(0, 3)}) ${r.phone.slice(3, 6)}-${r.phone.slice(6)}`;
  if (random.chance(0.1)) r.first = r.first.toUpperCase();
  return r;
}
