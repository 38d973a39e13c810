import { journeyChannels, type JourneyChannel } from '../contracts/index.js';

/** The computed trait that names a person's best channel (built in: see channels/affinity). */
export const bestChannelTrait = 'best_channel';

/** The order a `best` send tries channels in after the person's best one; the affinity breaks ties in it too. */
export const bestChannelOrder: readonly JourneyChannel[] = ['push', 'sms', 'email'];

/** The channels a `best` send tries, in order: the person's best channel first, when they have one, then the usual order. */
export function bestChannels(traits: Readonly<Record<string, unknown>>): JourneyChannel[] {
  const best = traits[bestChannelTrait];
  const known = journeyChannels.find((c) => c === best && c !== 'webhook');
  return known === undefined ? [...bestChannelOrder] : [known, ...bestChannelOrder.filter((c) => c !== known)];
}
