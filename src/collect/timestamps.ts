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

const receivedIso = new LastConversion((ms: number) => new Date(ms).toISOString());
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
  const originalTimestamp = new Date(original).toISOString();
  if (sent === undefined) return { timestamp: originalTimestamp, originalTimestamp, receivedAt: received };
  return { timestamp: new Date(receivedAt - (sent.ms - original)).toISOString(), originalTimestamp, sentAt: sent.iso, receivedAt: received };
}
