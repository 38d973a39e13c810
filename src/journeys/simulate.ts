import type { ContactPolicies, SimulateRequest, SimulateResponse } from '../contracts/index.js';
import { eventList, matchesEvent, type ProfileFacts } from '../segments/index.js';
import type { WebhookOutcome } from '../store/index.js';
import type { CompiledJourney } from './compile.js';
import { advance, matches, type EventTrigger } from './engine.js';
import { startingInstance, type HistoryEntry, type Instance } from './instance.js';
import { decideSend, type SendContext } from './policies.js';
import { draw } from './send-context.js';

const day = 86_400_000;
const simulatedAnswer: WebhookOutcome = { kind: 'response', status: 200, body: null, attempts: 1 };

/** A made-up person for a simulation. */
export function factsOfDescription(profile: NonNullable<SimulateRequest['profile']>): ProfileFacts {
  return {
    traits: profile.traits ?? {},
    consent: profile.consent ?? {},
    identifierTypes: new Set(profile.identifiers ?? []),
    channels: new Set(),
    segments: new Set(profile.segments ?? []),
    timeZone: profile.timeZone ?? 'UTC',
    events: eventList([]),
  };
}

/**
 * Runs a journey for one person against a list of events on a simulated
 * clock: the same engine and the same contact policies, nothing stored and
 * nothing sent. Events and timers are taken in time order until the person
 * leaves, or `until`.
 */
export function simulate(
  journey: CompiledJourney,
  profileId: string,
  facts: ProfileFacts,
  request: SimulateRequest,
  policies: ContactPolicies,
  sendContext: (now: number, holdout: boolean) => SendContext,
  now: number,
): SimulateResponse {
  const events: EventTrigger[] = (request.events ?? [])
    .map((e, i) => ({ event: e.event, properties: e.properties ?? {}, timestamp: Date.parse(e.timestamp), messageId: `simulated-${i}` }))
    .filter((e) => !Number.isNaN(e.timestamp))
    .sort((a, b) => a.timestamp - b.timestamp);
  const start = request.start !== undefined ? Date.parse(request.start) : (events[0]?.timestamp ?? now);
  const until = request.until !== undefined ? Date.parse(request.until) : start + 90 * day;
  const path: HistoryEntry[] = [];
  const messages: SimulateResponse['messages'] = [];
  let instance: Instance | undefined;
  let clock = start;
  const sent: { channel: SendContext['recentSends'][number]['channel']; category: SendContext['recentSends'][number]['category']; at: number }[] = [];
  // Conditions over events see the simulated events up to the simulated now.
  const factsAt = (): ProfileFacts => ({
    ...facts,
    events: eventList(events.filter((e) => e.timestamp <= clock).map((e) => ({ event: e.event, timestamp: e.timestamp, properties: e.properties }))),
  });
  const run = (trigger: Parameters<typeof advance>[2]): void => {
    if (instance === undefined) return;
    const result = advance(journey, instance, trigger, {
      now: clock,
      facts: factsAt,
      decideSend: (channels, category, current) => {
        const base = sendContext(clock, current.holdout);
        return decideSend(channels, category, { ...base, recentSends: [...base.recentSends, ...sent] }, policies);
      },
      draw: (salt) => draw(profileId, salt),
    });
    instance = result.instance;
    path.push(...result.history);
    for (const effect of result.effects) {
      if (effect.kind === 'webhook' && effect.waits) {
        // Nothing is called in a simulation: the call is taken as answered 200 with an empty body.
        path.push({ at: clock, step: effect.call.id, kind: 'webhook', detail: 'simulated: not called, taken as answered 200' });
        run({ kind: 'webhook', key: effect.idempotencyKey, outcome: simulatedAnswer });
      }
      if (effect.kind !== 'send') continue;
      messages.push({ at: new Date(clock).toISOString(), step: effect.step, channel: effect.channel, template: effect.template, category: effect.category });
      sent.push({ channel: effect.channel, category: effect.category, at: clock });
    }
  };
  const enter = (entry: Instance['entry']): void => {
    instance = startingInstance('simulated', journey, profileId, entry, clock);
    run({ kind: 'enter' });
  };

  if (journey.entry.kind !== 'event') enter({ event: null, properties: {}, messageId: null, at: start });
  let index = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const next = events[index];
    const wake = instance?.status === 'active' ? instance.wakeAt : null;
    if (next === undefined && wake === null) break;
    if (wake !== null && (next === undefined || wake <= next.timestamp)) {
      if (wake > until) break;
      clock = Math.max(clock, wake);
      run({ kind: 'wake' });
      continue;
    }
    if (next === undefined || next.timestamp > until) break;
    index++;
    clock = Math.max(clock, next.timestamp);
    if (instance === undefined) {
      if (journey.entry.kind === 'event' && matchesEvent(next.event, next.properties, journey.entry.match)) {
        enter({ event: next.event, properties: next.properties, messageId: next.messageId, at: next.timestamp });
      }
      continue;
    }
    if (instance.status !== 'active') break;
    if (journey.exits.some((x) => x.kind === 'event' && matches(x.match, next))) {
      path.push({ at: clock, step: instance.step, kind: 'exited', detail: `exit event "${next.event}"` });
      instance = { ...instance, status: 'exited', step: null };
      break;
    }
    if (instance.waitingFor === next.event) run({ kind: 'event', event: next });
  }
  const final = instance;
  return {
    entered: final !== undefined,
    path: path.map((h) => ({ ...h, at: new Date(h.at).toISOString() })),
    messages,
    final: { status: final?.status ?? 'not entered', step: final?.step ?? null },
  };
}
