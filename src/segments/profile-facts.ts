import type { ProfileRecord } from '../store/index.js';
import { asState, goldenTraits, type ProfileRules } from '../profiles/index.js';
import { aggregateHistory } from './aggregate-history.js';
import type { ComputedTraitSet } from './computed-traits.js';
import type { ProfileFacts } from './facts.js';

export interface FactsContext {
  readonly profileRules: ProfileRules;
  /** The trait holding the person's IANA time zone (e.g. "Europe/Paris"). */
  readonly timeZoneTrait: string;
  /** The computed traits now defined. */
  readonly computed: () => ComputedTraitSet;
}

const validZones = new Map<string, boolean>();
/** Whether the runtime knows the IANA zone; remembered, as checking throws on unknown ones. */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value === '' || value.length > 64) return false;
  let known = validZones.get(value);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      known = true;
    } catch {
      known = false;
    }
    if (validZones.size < 10_000) validZones.set(value, known);
  }
  return known;
}

/** What conditions see of a stored profile: golden trait values, consent, identifier types, channels, memberships, time zone, events. */
export function factsOf(profile: ProfileRecord, segmentNames: ReadonlySet<string>, context: FactsContext, now: number): ProfileFacts {
  const state = asState(profile.state);
  const traits: Record<string, unknown> = {};
  for (const [name, golden] of Object.entries(goldenTraits(state, context.profileRules))) traits[name] = golden.value;
  // Computed traits take precedence over a message's trait of the same name: the definition says what it is.
  const computed = context.computed();
  Object.assign(traits, computed.values(state.aggregates, traits, now));
  const consent: Record<string, 'granted' | 'denied'> = {};
  for (const [key, entry] of Object.entries(state.consent)) consent[key] = entry.state;
  const zone = traits[context.timeZoneTrait];
  return {
    traits,
    consent,
    identifierTypes: new Set(Object.entries(profile.identifierCounts).filter(([, n]) => n > 0).map(([type]) => type)),
    channels: new Set(state.channels),
    segments: segmentNames,
    timeZone: isTimeZone(zone) ? zone : 'UTC',
    events: aggregateHistory(state.aggregates),
    nextTraitChange: (trait, at) => (computed.has(trait) ? computed.nextChange(trait, state.aggregates, at) : null),
  };
}
