import type { Channel, ConsentChannel, ConsentPurpose, EventMatch, Span } from '../contracts/index.js';

/** One event of a profile, as conditions see it. */
export interface EventFact {
  readonly event: string;
  /** Event time, ms since the epoch. */
  readonly timestamp: number;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** A profile's events as conditions ask about them. */
export interface EventHistory {
  /** Matching events in the window (now - window, now], or all of them without a window. */
  count(match: EventMatch, window: Span | undefined, now: number): number;
  /** Whether a `then` event follows a `first` event by more than 0 and at most `within`, both in the window. */
  sequence(first: EventMatch, then: EventMatch, within: Span, window: Span | undefined, now: number): boolean;
  /** The first moment after `now` at which the count in the window changes by time alone (an event enters or leaves it). */
  nextWindowChange(match: EventMatch, window: Span, now: number): number | null;
}

/** What a condition can be evaluated against: one profile at one moment. */
export interface ProfileFacts {
  /** Golden values, computed traits included. */
  readonly traits: Readonly<Record<string, unknown>>;
  /** `channel:purpose` -> granted or denied. */
  readonly consent: Readonly<Record<string, 'granted' | 'denied'>>;
  readonly identifierTypes: ReadonlySet<string>;
  readonly channels: ReadonlySet<Channel>;
  /** Names of the segments the profile is in now. */
  readonly segments: ReadonlySet<string>;
  /** A valid IANA time zone (UTC when the profile has none). */
  readonly timeZone: string;
  readonly events: EventHistory;
  /** For traits that change with time alone (computed over a rolling window): the next moment they can. */
  readonly nextTraitChange?: (trait: string, now: number) => number | null;
}

export const consentKey = (channel: ConsentChannel, purpose: ConsentPurpose): string => `${channel}:${purpose}`;
