export interface ClientTimes {
  /** When the event happened by the device's clock (Segment `timestamp`, RudderStack `originalTimestamp`). */
  readonly originalTimestamp: string | undefined;
  /** When the device sent it, by the same clock. */
  readonly sentAt: string | undefined;
}

export interface CorrectedTimes {
  readonly timestamp: string;
  readonly originalTimestamp?: string;
  readonly sentAt?: string;
  readonly receivedAt: string;
}

/**
 * The last conversion, remembered: the messages of a batch share their
 * receive time and usually their `sentAt`, and turning an instant into an ISO
 * string costs more than everything else done to a timestamp.
 */
class LastConversion<K, V> {
  readonly #convert: (key: K) => V;
  #key: K | undefined;
  #value: V | undefined;

  constructor(convert: (key: K) => V) {
    this.#convert = convert;
  }

  of(key: K): V {
    if (this.#value === undefined || key !== this.#key) {
      this.#value = this.#convert(key);
      this.#key = key;
    }
    return this.#value;
  }
}

const dayMs = 86_400_000;
const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** The UTC day's `YYYY-MM-DDT`, remembered for the next instant of the same day. */
const dayPrefix = new LastConversion((day: number) => new Date(day * dayMs).toISOString().slice(0, -13));

/**
 * `new Date(ms).toISOString()` for a valid instant, without the Date: the
 * events of a batch mostly fall on one day, so only the time of day is
 * formatted. Profiling ingest showed the two Dates per message costing more
 * than the rest of the timestamp work.
 */
export function isoString(ms: number): string {
  const day = Math.floor(ms / dayMs);
  const prefix = dayPrefix.of(day);
  // Years beyond 9999 (or before 0) are written with a sign and six digits; leave those to Date.
  if (prefix.length !== 11) return new Date(ms).toISOString();
  const inDay = ms - day * dayMs;
  const seconds = Math.floor(inDay / 1000);
  return `${prefix}${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}.${pad3(inDay % 1000)}Z`;
}

const receivedIso = new LastConversion(isoString);
const sentTimes = new LastConversion((text: string) => {
  const ms = Date.parse(text);
  return { ms, iso: new Date(ms).toISOString() };
});

/**
 * Corrects device clock skew the way Segment does: the time between the event
 * and its sending is measured on the device's clock, and applied to the
 * server's receive time: `timestamp = receivedAt - (sentAt - originalTimestamp)`.
 * Without `sentAt` the device's own timestamp is trusted; without either, the
 * receive time is used.
 */
export function correctTimestamps(client: ClientTimes, receivedAt: number): CorrectedTimes {
  const received = receivedIso.of(receivedAt);
  const sent = client.sentAt === undefined ? undefined : sentTimes.of(client.sentAt);
  if (client.originalTimestamp === undefined) {
    return sent === undefined ? { timestamp: received, receivedAt: received } : { timestamp: received, sentAt: sent.iso, receivedAt: received };
  }
  const original = Date.parse(client.originalTimestamp);
  const originalTimestamp = isoString(original);
  if (sent === undefined) return { timestamp: originalTimestamp, originalTimestamp, receivedAt: received };
  return { timestamp: isoString(receivedAt - (sent.ms - original)), originalTimestamp, sentAt: sent.iso, receivedAt: received };
}
