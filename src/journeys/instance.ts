import type { JourneyChannel, MessageCategory } from '../contracts/index.js';
import type { CompiledWebhook } from './compile.js';

/** What a person entered a journey with: the entry event (if any), kept for correlation and templates. */
export interface EntryContext {
  readonly event: string | null;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly messageId: string | null;
  /** Event time of the entry (ms): the journey's clock starts there. */
  readonly at: number;
}

export type InstanceStatus = 'active' | 'completed' | 'exited';

/** One person's passage through one version of a journey: explicit state, stored between triggers. */
export interface Instance {
  readonly id: string;
  readonly journeyId: string;
  readonly version: number;
  readonly profileId: string;
  readonly status: InstanceStatus;
  /** The step it is at (null once it ended). */
  readonly step: string | null;
  /** Steps taken so far; with the step, names an effect uniquely (its idempotency key). */
  readonly visit: number;
  /** When the current step began, on the journey's clock (event time, then scheduled times). */
  readonly stepEnteredAt: number;
  /** When a timer should wake it (a wait's end, a wait-for-event's timeout, a delayed send). */
  readonly wakeAt: number | null;
  /** The event a waitForEvent step is waiting for, so events can find waiting instances fast. */
  readonly waitingFor: string | null;
  readonly entry: EntryContext;
  /** The split variant taken, if any. */
  readonly variant: string | null;
  readonly holdout: boolean;
  readonly converted: boolean;
  readonly enteredAt: number;
  readonly endedAt: number | null;
  readonly exitReason: string | null;
}

/** A person at the start of a journey version, not yet moved by the engine. */
export function startingInstance(
  id: string,
  journey: { readonly id: string; readonly version: number; readonly start: string },
  profileId: string,
  entry: EntryContext,
  enteredAt: number,
): Instance {
  return {
    id,
    journeyId: journey.id,
    version: journey.version,
    profileId,
    status: 'active',
    step: journey.start,
    visit: 0,
    stepEnteredAt: entry.at,
    wakeAt: null,
    waitingFor: null,
    entry,
    variant: null,
    holdout: false,
    converted: false,
    enteredAt,
    endedAt: null,
    exitReason: null,
  };
}

export type HistoryKind =
  | 'entered'
  | 'arrived'
  | 'waiting'
  | 'resumed'
  | 'timed_out'
  | 'branch'
  | 'variant'
  | 'holdout'
  | 'sent'
  | 'suppressed'
  | 'delayed'
  | 'updated_profile'
  | 'webhook'
  | 'jumped'
  | 'converted'
  | 'completed'
  | 'exited';

/** One thing that happened to an instance, with why. */
export interface HistoryEntry {
  readonly at: number;
  readonly step: string | null;
  readonly kind: HistoryKind;
  readonly detail: string;
}

/** What the engine asks the outside world to do; each carries a key that makes doing it twice do nothing. */
export type Effect =
  | {
      readonly kind: 'send';
      readonly idempotencyKey: string;
      readonly channel: JourneyChannel;
      readonly template: string;
      readonly category: MessageCategory;
      readonly step: string;
    }
  | { readonly kind: 'updateProfile'; readonly idempotencyKey: string; readonly set: Readonly<Record<string, unknown>>; readonly increment: Readonly<Record<string, number>> }
  | { readonly kind: 'webhook'; readonly idempotencyKey: string; readonly call: CompiledWebhook; readonly waits: boolean }
  | { readonly kind: 'jump'; readonly idempotencyKey: string; readonly journey: string };
