import {
  stepSchemas,
  type Condition,
  type EventMatch,
  type JourneyDefinition,
  type Span,
  type Step,
  type StepType,
  type webhookStatusClasses,
} from '../contracts/index.js';
import type { FieldProblem } from '../lib/errors.js';
import { err, ok, type Result } from '../lib/result.js';
import { compileValidator } from '../lib/validator.js';
import { readDefinition, readFilters } from '../segments/index.js';
import { templateProblem } from './webhook-template.js';

const stepValidators = Object.fromEntries(Object.entries(stepSchemas).map(([type, schema]) => [type, compileValidator(schema)])) as Record<
  StepType,
  ReturnType<typeof compileValidator>
>;
const stepTypes = Object.keys(stepSchemas);

/** A step with its conditions and filters read. */
export type CompiledStep =
  | (Exclude<Step, { type: 'waitForEvent' | 'branch' | 'webhook' }> & { readonly id: string })
  | (Extract<Step, { type: 'waitForEvent' }> & { readonly id: string; readonly match: EventMatch })
  | (Extract<Step, { type: 'branch' }> & { readonly id: string; readonly conditions: readonly { condition: Condition; next: string }[] })
  | CompiledWebhook;

/** Which answers a webhook branch takes: a status class, or one status. */
export type StatusMatch = (typeof webhookStatusClasses)[number] | number;

export type CompiledWebhook = Extract<Step, { type: 'webhook' }> & {
  readonly id: string;
  /** onResponse's branches with their conditions read; empty without onResponse. */
  readonly responses: readonly { readonly status: StatusMatch; readonly condition?: Condition; readonly next: string }[];
};

export type CompiledEntry =
  | { readonly kind: 'event'; readonly match: EventMatch }
  | { readonly kind: 'segment'; readonly segment: string; readonly on: 'enter' | 'exit' }
  | { readonly kind: 'schedule'; readonly segment: string; readonly at?: string; readonly every?: Span; readonly dateTrait?: string; readonly localTime?: string }
  | { readonly kind: 'api' };

export type CompiledExit = { readonly kind: 'event'; readonly match: EventMatch } | { readonly kind: 'condition'; readonly condition: Condition };

export interface CompiledJourney {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly entry: CompiledEntry;
  readonly rules: { readonly reentry: 'never' | 'after_exit' | 'always'; readonly cooldown?: Span; readonly maxEntries?: number; readonly segment?: string };
  readonly exits: readonly CompiledExit[];
  readonly goal?: { readonly match: EventMatch; readonly within: Span };
  readonly start: string;
  readonly steps: ReadonlyMap<string, CompiledStep>;
}

/** Where each step can go next. */
export function successors(step: CompiledStep | Step): string[] {
  switch (step.type) {
    case 'waitForEvent':
      return [step.onEvent, step.onTimeout];
    case 'branch':
      return [...step.branches.map((b) => b.next), step.else];
    case 'split':
      return step.variants.map((v) => v.next);
    case 'webhook':
      return [
        ...(step.next === undefined ? [] : [step.next]),
        ...(step.onResponse === undefined ? [] : [...step.onResponse.branches.map((b) => b.next), step.onResponse.else]),
        ...(step.onFailure === undefined ? [] : [step.onFailure]),
      ];
    case 'jump':
    case 'exit':
      return [];
    default:
      return [step.next];
  }
}

/**
 * Checks a journey definition and reads its conditions and filters. Every
 * problem is located (`steps.remind.next`, `steps.check.branches[1].condition`)
 * and says what is wrong; a definition with problems compiles to nothing.
 */
export function compileJourney(id: string, name: string, version: number, definition: JourneyDefinition): Result<CompiledJourney, FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const filters = (where: string | readonly unknown[] | undefined, field: string): EventMatch['where'] => {
    const read = readFilters(where, field);
    if (!read.ok) problems.push(...read.error);
    return read.ok ? read.value : [];
  };
  const condition = (input: unknown, field: string): Condition | undefined => {
    const read = readDefinition(input);
    if (!read.ok) problems.push(...read.error.map((p) => ({ ...p, field: p.field.replace(/^definition/, field) })));
    return read.ok ? read.value : undefined;
  };

  const steps = new Map<string, CompiledStep>();
  for (const [stepId, raw] of Object.entries(definition.steps)) {
    const at = `steps.${stepId}`;
    const type = raw.type;
    if (typeof type !== 'string' || !stepTypes.includes(type)) {
      problems.push({ field: `${at}.type`, rule: 'enum', message: `must be one of ${stepTypes.join(', ')}` });
      continue;
    }
    const checked = stepValidators[type as StepType](raw, `${at}.`);
    if (!checked.ok) {
      problems.push(...checked.error);
      continue;
    }
    const step = raw as unknown as Step;
    if (step.type === 'waitForEvent') {
      steps.set(stepId, { ...step, id: stepId, match: { event: step.event, where: filters(step.where, `${at}.where`) } });
    } else if (step.type === 'branch') {
      const conditions = step.branches.flatMap((b, i) => {
        const c = condition(b.condition, `${at}.branches[${i}].condition`);
        return c === undefined ? [] : [{ condition: c, next: b.next }];
      });
      steps.set(stepId, { ...step, id: stepId, conditions });
    } else if (step.type === 'webhook') {
      const webhook = compileWebhook(stepId, step, condition, problems);
      if (webhook !== undefined) steps.set(stepId, webhook);
    } else if (step.type === 'waitUntil' && step.dateTrait === undefined && step.localTime === undefined) {
      problems.push({ field: at, rule: 'required', message: 'waitUntil needs a dateTrait, a localTime, or both' });
    } else {
      steps.set(stepId, { ...step, id: stepId });
    }
  }

  if (!(definition.start in definition.steps)) problems.push({ field: 'start', rule: 'step', message: `there is no step "${definition.start}"` });
  for (const [stepId, step] of steps) {
    for (const target of successors(step)) {
      if (!(target in definition.steps)) problems.push({ field: `steps.${stepId}`, rule: 'step', message: `leads to "${target}", which is not a step` });
    }
  }
  const reached = new Set<string>();
  const queue = [definition.start];
  while (queue.length > 0) {
    const next = queue.pop() ?? '';
    if (reached.has(next)) continue;
    reached.add(next);
    const step = steps.get(next);
    if (step) queue.push(...successors(step));
  }
  for (const stepId of Object.keys(definition.steps)) {
    if (!reached.has(stepId)) problems.push({ field: `steps.${stepId}`, rule: 'reachable', message: 'no path from the start leads here' });
  }

  const entry = ((): CompiledEntry => {
    const e = definition.entry;
    if (e.kind === 'event') return { kind: 'event', match: { event: e.event, where: filters(e.where, 'entry.where') } };
    if (e.kind === 'schedule') {
      if (e.at === undefined && e.every === undefined && e.dateTrait === undefined) {
        problems.push({ field: 'entry', rule: 'required', message: 'a schedule needs at (once), every (recurring) or dateTrait (yearly)' });
      }
      if (e.at !== undefined && Number.isNaN(Date.parse(e.at))) problems.push({ field: 'entry.at', rule: 'format', message: 'must be an ISO-8601 time' });
      return { ...e };
    }
    return { ...e };
  })();
  const exits = (definition.exit ?? []).flatMap((x, i): CompiledExit[] => {
    if (x.kind === 'event') return [{ kind: 'event', match: { event: x.event, where: filters(x.where, `exit[${i}].where`) } }];
    const c = condition(x.condition, `exit[${i}].condition`);
    return c === undefined ? [] : [{ kind: 'condition', condition: c }];
  });
  const goal = definition.goal && { match: { event: definition.goal.event, where: filters(definition.goal.where, 'goal.where') }, within: definition.goal.within };

  if (problems.length > 0) return err(problems);
  const rules = definition.rules ?? {};
  return ok({
    id,
    name,
    version,
    entry,
    rules: {
      reentry: rules.reentry ?? 'after_exit',
      ...(rules.cooldown && { cooldown: rules.cooldown }),
      ...(rules.maxEntries !== undefined && { maxEntries: rules.maxEntries }),
      ...(rules.segment !== undefined && { segment: rules.segment }),
    },
    exits,
    ...(goal && { goal }),
    start: definition.start,
    steps,
  });
}

/**
 * Checks what the schema cannot: the templates parse, the branches' conditions
 * read, and where the step goes is said once. Without onResponse the call
 * goes on to `next` (on a 2xx answer when onFailure is given); with it,
 * onResponse names every way on and `next` would be ambiguous.
 */
function compileWebhook(
  stepId: string,
  step: Extract<Step, { type: 'webhook' }>,
  condition: (input: unknown, field: string) => Condition | undefined,
  problems: FieldProblem[],
): CompiledWebhook | undefined {
  const at = `steps.${stepId}`;
  const before = problems.length;
  for (const field of ['url', 'body'] as const) {
    const text = step[field];
    const problem = text === undefined ? undefined : templateProblem(text);
    if (problem !== undefined) problems.push({ field: `${at}.${field}`, rule: 'template', message: `is not a valid template: ${problem}` });
  }
  if (step.onResponse === undefined && step.next === undefined) {
    problems.push({ field: `${at}.next`, rule: 'required', message: 'a webhook needs next, or onResponse to branch on the answer' });
  }
  if (step.onResponse !== undefined && step.next !== undefined) {
    problems.push({ field: `${at}.next`, rule: 'exclusive', message: 'with onResponse, the answer decides where to go: use onResponse.else instead of next' });
  }
  const responses = (step.onResponse?.branches ?? []).map((b, i) => {
    const read = b.condition === undefined ? undefined : condition(b.condition, `${at}.onResponse.branches[${i}].condition`);
    return { status: b.status ?? '2xx', ...(read && { condition: read }), next: b.next };
  });
  return problems.length > before ? undefined : { ...step, id: stepId, responses };
}
