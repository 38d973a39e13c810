import { evaluate, type ProfileFacts } from '../segments/index.js';
import type { WebhookOutcome } from '../store/index.js';
import type { CompiledWebhook, StatusMatch } from './compile.js';

const statusMatches = (match: StatusMatch, status: number): boolean =>
  typeof match === 'number' ? match === status : Math.floor(status / 100) === Number(match[0]);

/** The outcome in a few words, for the instance's history. */
export function describeOutcome(outcome: WebhookOutcome): string {
  const attempts = `${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`;
  return outcome.kind === 'response' ? `answered ${outcome.status} after ${attempts}` : `failed after ${attempts}: ${outcome.error}`;
}

/**
 * Where an instance waiting at a webhook step goes on its outcome, and why.
 * With onResponse: the first branch whose status matches and whose condition
 * holds (the answer readable as trait.response.status and
 * trait.response.body.<field>), else onResponse.else; no answer at all goes to
 * onFailure, or else. Without onResponse: a 2xx answer goes to next,
 * anything else to onFailure.
 */
export function routeWebhook(step: CompiledWebhook, outcome: WebhookOutcome, facts: ProfileFacts, now: number): { readonly next: string; readonly why: string } {
  const what = describeOutcome(outcome);
  const onResponse = step.onResponse;
  if (onResponse === undefined) {
    const ok = outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300;
    return ok || step.onFailure === undefined ? { next: step.next ?? '', why: `${what}: next` } : { next: step.onFailure, why: `${what}: onFailure` };
  }
  if (outcome.kind === 'failure') {
    return step.onFailure === undefined ? { next: onResponse.else, why: `${what}: else` } : { next: step.onFailure, why: `${what}: onFailure` };
  }
  const withResponse: ProfileFacts = { ...facts, traits: { ...facts.traits, response: { status: outcome.status, body: outcome.body } } };
  const taken = step.responses.findIndex(
    (b) => statusMatches(b.status, outcome.status) && (b.condition === undefined || evaluate(b.condition, withResponse, now)),
  );
  const branch = step.responses[taken];
  return branch === undefined ? { next: onResponse.else, why: `${what}: no branch held: else` } : { next: branch.next, why: `${what}: branch ${taken + 1} held` };
}
