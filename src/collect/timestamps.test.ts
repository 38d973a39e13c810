import { describe, expect, it } from 'vitest';
import { correctTimestamps, isoString } from './timestamps.js';

const receivedAt = Date.UTC(2026, 10, 24, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

describe('correctTimestamps', () => {
  it('applies the device-measured delay to the server receive time', () => {
    // Device clock is 2 hours slow; the event happened 30 s before it was sent.
    const deviceNow = receivedAt - 7_200_000;
    const times = correctTimestamps({ originalTimestamp: iso(deviceNow - 30_000), sentAt: iso(deviceNow) }, receivedAt);
    expect(times).toEqual({
      timestamp: iso(receivedAt - 30_000),
      originalTimestamp: iso(deviceNow - 30_000),
      sentAt: iso(deviceNow),
      receivedAt: iso(receivedAt),
    });
  });

  it('trusts the device timestamp when there is no sentAt', () => {
    const times = correctTimestamps({ originalTimestamp: '2026-11-01T08:00:00+01:00', sentAt: undefined }, receivedAt);
    expect(times.timestamp).toBe('2026-11-01T07:00:00.000Z');
    expect(times.sentAt).toBeUndefined();
  });

  it('uses the receive time when the message has no timestamp', () => {
    expect(correctTimestamps({ originalTimestamp: undefined, sentAt: iso(receivedAt - 5) }, receivedAt)).toEqual({
      timestamp: iso(receivedAt),
      sentAt: iso(receivedAt - 5),
      receivedAt: iso(receivedAt),
    });
  });
});

describe('isoString', () => {
  it('writes any instant as Date#toISOString does', () => {
    const instants = [
      0,
      -1,
      receivedAt,
      receivedAt + 999,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(1969, 11, 31, 0, 0, 0, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10000, 0, 1),
      Date.UTC(-1, 5, 1, 1, 2, 3, 4),
    ];
    for (let i = 0; i < 5_000; i++) instants.push(Math.floor((i * 7_919_993_111) % 4e12) - 1e12);
    for (const ms of instants) expect(isoString(ms)).toBe(new Date(ms).toISOString());
  });
});
