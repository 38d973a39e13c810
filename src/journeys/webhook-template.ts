import { Liquid, type Template } from 'liquidjs';
import type { WebhookRequest } from '../store/index.js';
import type { CompiledWebhook } from './compile.js';

/** Templates are strings in definitions; parse each once (bounded: the whole map is dropped when it fills). */
const maxCached = 1_000;
// strictFilters: an unknown filter is a definition error found at compile time, not an empty string at send time.
const liquid = new Liquid({ strictFilters: true, ownPropertyOnly: true });
const parsed = new Map<string, Template[]>();

/** What a webhook template can read. */
export interface TemplateContext {
  readonly profile: { readonly id: string; readonly traits: Readonly<Record<string, unknown>> };
  /** The same golden traits, shorter to write. */
  readonly traits: Readonly<Record<string, unknown>>;
  /** The event that entered the person (null name when they entered by API or schedule). */
  readonly event: { readonly name: string | null; readonly properties: Readonly<Record<string, unknown>>; readonly messageId: string | null; readonly timestamp: string };
  readonly journey: { readonly id: string; readonly name: string; readonly version: number; readonly step: string; readonly instanceId: string; readonly variant: string | null };
}

function templateOf(text: string): Template[] {
  let template = parsed.get(text);
  if (template === undefined) {
    template = liquid.parse(text);
    if (parsed.size >= maxCached) parsed.clear();
    parsed.set(text, template);
  }
  return template;
}

/** Why a template does not parse, or undefined when it does. */
export function templateProblem(text: string): string | undefined {
  try {
    templateOf(text);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Renders a template that parsed; throws when rendering fails (e.g. a filter given the wrong kind of value). */
export function renderTemplate(text: string, context: TemplateContext): string {
  return String(liquid.renderSync(templateOf(text), context));
}

const defaultTimeoutSeconds = 10;
const defaultRetries = 3;

/** The call a webhook step makes for one person, its templates rendered now: retries send exactly this. */
export function webhookRequest(step: CompiledWebhook, waits: boolean, context: TemplateContext): WebhookRequest {
  const call = {
    step: step.id,
    method: step.method ?? 'POST',
    headers: step.headers ?? {},
    timeoutMs: (step.timeoutSeconds ?? defaultTimeoutSeconds) * 1000,
    retries: step.retries ?? defaultRetries,
    waits,
  };
  try {
    return { ...call, url: renderTemplate(step.url, context), body: step.body === undefined ? null : renderTemplate(step.body, context), renderError: null };
  } catch (error) {
    return { ...call, url: step.url, body: null, renderError: error instanceof Error ? error.message : String(error) };
  }
}
