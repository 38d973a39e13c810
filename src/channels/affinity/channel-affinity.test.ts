import { describe, expect, it } from 'vitest';
import type { CollectedMessage } from '../../contracts/index.js';
import { aggregatesOfMessage, mergeAggregates, type AggregateAccumulator } from '../../profiles/aggregates.js';
import { SegmentCatalog } from '../../segments/index.js';
import { channelAffinityTraits } from './channel-affinity.js';

const day = 86_400_000;
const now = Date.UTC(2026, 10, 24);
let n = 0;

const event = (name: string, channel: string, deliveryId: string, at: number): CollectedMessage => {
  const timestamp = new Date(at).toISOString();
  return {
    v: 1,
    messageId: `m${++n}`,
    type: 'track',
    event: name,
    sourceId: 'src_tessera',
    channel: 'other',
    properties: { channel, deliveryId },
    context: {},
    timestamp,
    receivedAt: timestamp,
  };
};

/** Feeds the messages through the catalog's aggregates, as the unify stage does, and reads the computed traits. */
function traitsAfter(messages: readonly CollectedMessage[], at = now) {
  const catalog = new SegmentCatalog([], [], channelAffinityTraits());
  let aggregates: Readonly<Record<string, AggregateAccumulator>> = {};
  for (const m of messages) aggregates = mergeAggregates(aggregates, aggregatesOfMessage(m, m.timestamp, catalog));
  return { values: catalog.computed.values(aggregates, {}, at), catalog, aggregates };
}

describe('channel affinity traits', () => {
  it('rates each channel by the share of its messages opened or clicked, and names the best', () => {
    const { values } = traitsAfter([
      event('Message Sent', 'email', 'e1', now - 10 * day),
      event('Message Sent', 'email', 'e2', now - 9 * day),
      event('Message Opened', 'email', 'e1', now - 9 * day),
      event('Message Clicked', 'email', 'e1', now - 9 * day),
      event('Message Sent', 'sms', 's1', now - 8 * day),
      event('Message Sent', 'sms', 's2', now - 8 * day),
      event('Message Sent', 'sms', 's3', now - 8 * day),
      event('Message Clicked', 'sms', 's1', now - 7 * day),
      event('Message Sent', 'webhook', 'w1', now - 7 * day),
    ]);
    expect(values).toEqual({
      messages_sent_90d: { email: 2, sms: 3 },
      messages_opened_90d: { email: 1 },
      messages_clicked_90d: { email: 1, sms: 1 },
      channel_affinity: { email: 0.5, sms: 0.3333 },
      best_channel: 'email',
    });
  });

  it('forgets what left the 90 days, breaks ties by the best-send order, and has no best channel before any send', () => {
    const sends = [event('Message Sent', 'email', 'e1', now - 100 * day), event('Message Sent', 'email', 'e2', now - 5 * day), event('Message Sent', 'sms', 's1', now - 5 * day)];
    const { values, catalog, aggregates } = traitsAfter([...sends, event('Message Clicked', 'email', 'e1', now - 99 * day)]);
    expect(values.messages_sent_90d).toEqual({ email: 1, sms: 1 });
    expect(values.channel_affinity).toEqual({ email: 0, sms: 0 });
    expect(values.best_channel).toBe('sms');
    expect(catalog.computed.isTimed('best_channel')).toBe(true);
    expect(catalog.computed.eventsOf('best_channel').sort()).toEqual(['Message Clicked', 'Message Opened', 'Message Sent']);
    expect(catalog.computed.nextChange('best_channel', aggregates, now)).toBe(now - 5 * day + 90 * day);
    expect(traitsAfter([]).values).toMatchObject({ channel_affinity: {}, best_channel: null });
  });
});
