/**
 * The journey engine: deterministic. Given a journey, an instance, what woke
 * it and the world as it is now, it walks steps until the instance waits or
 * ends, and says which effects to perform and why each turn was taken. It
 * performs nothing itself: the stage writes the effects to an outbox in the
 * same transaction as the new instance state.
 */
import type { EventMatch, JourneyChannel } from '../contracts/index.js';
import { instantOf, nextLocalTime, wallClock } from '../lib/zoned-time.js';
import { bestChannels } from './best-channel.js';
import { evaluate, matchesEvent, type ProfileFacts } from '../segments/index.js';
import type { CompiledJourney, CompiledStep } from './compile.js';
import type { Effect, HistoryEntry, Instance } from './instance.js';
import type { WebhookOutcome } from '../store/index.js';
import type { SendDecision } from './policies.js';
import { routeWebhook } from './webhook-route.js';

export interface EventTrigger {
  readonly event: string;
  readonly properties: Readonly<Record<string, unknown>>;
  /** Event time (ms). */
  readonly timestamp: number;
  readonly messageId: string;
}

/** enter: a new instance starts; arrive: an instance was moved to a step (a migration) and starts it; wake: a timer is due; webhook: a call ended. */
export type Trigger =
  | { readonly kind: 'enter' }
  | { readonly kind: 'arrive' }
  | { readonly kind: 'wake' }
  | { readonly kind: 'event'; readonly event: EventTrigger }
  /** A webhook call the instance waits for ended; `key` names the call (its effect's idempotency key). */
  | { readonly kind: 'webhook'; readonly key: string; readonly outcome: WebhookOutcome };

export interface EngineEnvironment {
  readonly now: number;
  /** The person as conditions see them, now. */
  facts(): ProfileFacts;
  /** The contact policies' decision for a send of this instance. */
  decideSend(channels: readonly JourneyChannel[], category: 'marketing' | 'transactional', instance: Instance): SendDecision;
  /** A number in [0, 1) fixed per person and salt: splits and holdouts never change their mind. */
  draw(salt: string): number;
}

export interface Advance {
  readonly instance: Instance;
  readonly effects: readonly Effect[];
  readonly history: readonly HistoryEntry[];
}

const spanMs = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;
/** Most steps one trigger may walk: a loop of steps that never waits is a definition bug, not a reason to hang. */
const maxStepsPerTrigger = 200;

/** Whether an event matches a waitForEvent step: name, filters, and the correlated entry properties. */
export function awaits(step: CompiledStep, instance: Instance, event: EventTrigger): boolean {
  if (step.type !== 'waitForEvent') return false;
  if (!matchesEvent(event.event, event.properties, step.match)) return false;
  // Event time: only what happened after the wait began and before its deadline counts.
  const deadline = instance.stepEnteredAt + step.timeout.amount * spanMs[step.timeout.unit];
  if (event.timestamp < instance.stepEnteredAt || event.timestamp > deadline) return false;
  return Object.entries(step.correlate ?? {}).every(([property, entryProperty]) => {
    const expected = instance.entry.properties[entryProperty];
    return expected !== undefined && expected === event.properties[property];
  });
}

/** Whether an event matches a match (for exits and goals). */
export const matches = (match: EventMatch, event: EventTrigger): boolean => matchesEvent(event.event, event.properties, match);

/** The facts with the entry event's properties readable as trait.event.<property> in conditions. */
function withEntry(facts: ProfileFacts, instance: Instance): ProfileFacts {
  return { ...facts, traits: { ...facts.traits, event: instance.entry.properties } };
}

export function advance(journey: CompiledJourney, start: Instance, trigger: Trigger, env: EngineEnvironment): Advance {
  let instance = start;
  const effects: Effect[] = [];
  const history: HistoryEntry[] = [];
  const note = (kind: HistoryEntry['kind'], detail: string, step = instance.step): void => {
    history.push({ at: env.now, step, kind, detail });
  };
  const key = (): string => `${instance.id}:${instance.step ?? ''}:${instance.visit}`;
  /** Moves to the next step; `at` is when that step begins on the journey's clock. */
  const goTo = (next: string, at: number): void => {
    instance = { ...instance, step: next, visit: instance.visit + 1, stepEnteredAt: at, wakeAt: null, waitingFor: null };
    note('arrived', `at ${next}`);
  };
  const end = (status: 'completed' | 'exited', reason: string): void => {
    note(status, reason);
    instance = { ...instance, status, step: null, wakeAt: null, waitingFor: null, endedAt: env.now, exitReason: status === 'exited' ? reason : null };
  };

  if (instance.status !== 'active' || instance.step === null) return { instance, effects, history };
  if (trigger.kind === 'enter') {
    note('entered', instance.entry.event === null ? 'entered' : `entered on "${instance.entry.event}"`);
    note('arrived', `at ${instance.step}`);
  }

  // A waiting step first decides whether this trigger resumes it.
  let current = journey.steps.get(instance.step);
  let resume: 'event' | 'timeout' | 'wake' | 'webhook' | undefined;
  if (current !== undefined && trigger.kind === 'webhook') {
    // Only the call this very visit of the step made resumes it; an answer to an older one changes nothing.
    if (current.type !== 'webhook' || trigger.key !== key()) return { instance, effects, history };
    resume = 'webhook';
  } else if (current !== undefined && (trigger.kind === 'wake' || trigger.kind === 'event')) {
    if (current.type === 'waitForEvent') {
      if (trigger.kind === 'event' && awaits(current, instance, trigger.event)) resume = 'event';
      else if (trigger.kind === 'wake' && instance.wakeAt !== null && instance.wakeAt <= env.now) resume = 'timeout';
    } else if (trigger.kind === 'wake' && instance.wakeAt !== null && instance.wakeAt <= env.now) {
      resume = 'wake';
    }
    if (resume === undefined) return { instance, effects, history };
  }

  for (let walked = 0; walked < maxStepsPerTrigger; walked++) {
    current = instance.step === null ? undefined : journey.steps.get(instance.step);
    if (current === undefined) {
      if (instance.status === 'active') end('exited', `step ${instance.step ?? '?'} no longer exists`);
      break;
    }
    const step = current;
    const at = instance.stepEnteredAt;
    switch (step.type) {
      case 'wait': {
        if (resume === 'wake') {
          resume = undefined;
          goTo(step.next, instance.wakeAt ?? env.now);
          continue;
        }
        const wakeAt = at + step.duration.amount * spanMs[step.duration.unit];
        instance = { ...instance, wakeAt };
        note('waiting', `until ${new Date(wakeAt).toISOString()}`);
        return { instance, effects, history };
      }
      case 'waitUntil': {
        if (resume === 'wake') {
          resume = undefined;
          goTo(step.next, instance.wakeAt ?? env.now);
          continue;
        }
        const wakeAt = waitUntilTime(step, env.facts(), Math.max(at, env.now));
        if (wakeAt === null) {
          note('waiting', `${step.dateTrait ?? 'the date'} is not a date: going on`);
          goTo(step.next, env.now);
          continue;
        }
        instance = { ...instance, wakeAt };
        note('waiting', `until ${new Date(wakeAt).toISOString()}`);
        return { instance, effects, history };
      }
      case 'waitForEvent': {
        if (resume === 'event' && trigger.kind === 'event') {
          resume = undefined;
          note('resumed', `"${trigger.event.event}" arrived`);
          goTo(step.onEvent, trigger.event.timestamp);
          continue;
        }
        if (resume === 'timeout') {
          resume = undefined;
          note('timed_out', `no "${step.event}" in ${step.timeout.amount} ${step.timeout.unit}`);
          goTo(step.onTimeout, instance.wakeAt ?? env.now);
          continue;
        }
        const wakeAt = at + step.timeout.amount * spanMs[step.timeout.unit];
        instance = { ...instance, wakeAt, waitingFor: step.event };
        note('waiting', `for "${step.event}" until ${new Date(wakeAt).toISOString()}`);
        return { instance, effects, history };
      }
      case 'branch': {
        const facts = withEntry(env.facts(), instance);
        const taken = step.conditions.findIndex((b) => evaluate(b.condition, facts, env.now));
        const next = taken === -1 ? step.else : (step.conditions[taken]?.next ?? step.else);
        note('branch', taken === -1 ? 'no condition held: else' : `condition ${taken + 1} held`);
        goTo(next, env.now);
        continue;
      }
      case 'split': {
        const total = step.variants.reduce((sum, v) => sum + v.weight, 0);
        let point = env.draw(`${journey.id}:${step.id}`) * total;
        const variant = step.variants.find((v) => (point -= v.weight) < 0) ?? step.variants.at(-1);
        if (variant === undefined) break;
        instance = { ...instance, variant: variant.name };
        note('variant', `variant "${variant.name}"`);
        goTo(variant.next, env.now);
        continue;
      }
      case 'holdout': {
        const held = env.draw(`${journey.id}:${step.id}`) * 100 < step.percent;
        if (held) {
          instance = { ...instance, holdout: true };
          note('holdout', `in the ${step.percent}% holdout: measured, sent nothing`);
        }
        goTo(step.next, env.now);
        continue;
      }
      case 'send': {
        const channels: JourneyChannel[] = step.channel === 'best' ? bestChannels(env.facts().traits) : typeof step.channel === 'string' ? [step.channel] : [...step.channel];
        const decision = env.decideSend(channels, step.category, instance);
        if (decision.kind === 'delay') {
          instance = { ...instance, wakeAt: decision.until };
          note('delayed', decision.reason);
          return { instance, effects, history };
        }
        if (decision.kind === 'send') {
          effects.push({ kind: 'send', idempotencyKey: key(), channel: decision.channel, template: step.template, category: step.category, step: step.id });
          note('sent', `${step.template} by ${decision.channel}${decision.skipped.length > 0 ? ` (${decision.skipped.join('; ')})` : ''}`);
        } else {
          note('suppressed', decision.reason);
        }
        resume = undefined;
        goTo(step.next, env.now);
        continue;
      }
      case 'updateProfile':
        effects.push({ kind: 'updateProfile', idempotencyKey: key(), set: step.set ?? {}, increment: step.increment ?? {} });
        note('updated_profile', Object.keys({ ...step.set, ...step.increment }).join(', '));
        goTo(step.next, env.now);
        continue;
      case 'webhook': {
        if (resume === 'webhook' && trigger.kind === 'webhook') {
          resume = undefined;
          const route = routeWebhook(step, trigger.outcome, withEntry(env.facts(), instance), env.now);
          note('resumed', route.why);
          goTo(route.next, env.now);
          continue;
        }
        // It waits for the answer when the answer decides where it goes.
        const waits = step.onResponse !== undefined || step.onFailure !== undefined;
        effects.push({ kind: 'webhook', idempotencyKey: key(), call: step, waits });
        if (waits) {
          note('webhook', `${step.method ?? 'POST'} ${step.url}: waiting for the answer`);
          return { instance, effects, history };
        }
        note('webhook', `${step.method ?? 'POST'} ${step.url}`);
        goTo(step.next ?? '', env.now);
        continue;
      }
      case 'jump':
        effects.push({ kind: 'jump', idempotencyKey: key(), journey: step.journey });
        note('jumped', `to "${step.journey}"`);
        end('exited', `jumped to "${step.journey}"`);
        break;
      case 'exit':
        end('completed', 'reached the end');
        break;
    }
    break;
  }
  if (instance.status === 'active' && history.length > 0 && history.length >= maxStepsPerTrigger) end('exited', 'too many steps without waiting');
  return { instance, effects, history };
}

/** When a waitUntil step lets the person go on: their date trait (at the local time, if given) or the next allowed local time. */
function waitUntilTime(step: Extract<CompiledStep, { type: 'waitUntil' }>, facts: ProfileFacts, from: number): number | null {
  const zone = facts.timeZone;
  if (step.dateTrait !== undefined) {
    const raw = facts.traits[step.dateTrait];
    const date = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
    if (Number.isNaN(date)) return null;
    if (step.localTime === undefined) return Math.max(date, from);
    // The local time on the calendar date the trait names (as written), in the person's time zone.
    const day = wallClock(date, 'UTC');
    const local = instantOf({ year: day.year, month: day.month, day: day.day, hour: Number(step.localTime.slice(0, 2)), minute: Number(step.localTime.slice(3, 5)) }, zone);
    return Math.max(local, from);
  }
  return nextLocalTime(from, zone, step.localTime ?? '00:00', step.weekdays);
}
