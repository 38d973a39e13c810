import { Liquid, type Template } from 'liquidjs';
import type { Clock } from '../../lib/clock.js';
import type { ChannelAdapter, DeliveryOutcome, OutgoingMessage } from '../adapter.js';
import { bodyExcerpt, failureOutcome, networkFailure } from '../webhook/http-outcome.js';
import { smsText } from './sms-text.js';

export interface HttpSmsSettings {
  /** Liquid template of the URL, e.g. `https://sms.example/send?to={{ to | url_encode }}`. */
  readonly url: string;
  readonly method: 'POST' | 'PUT' | 'GET';
  /** Header values are Liquid templates too; they usually carry the provider's API key (secret). */
  readonly headers: Readonly<Record<string, string>>;
  /** Liquid template of the body, e.g. `{"to": {{ to | json }}, "text": {{ body | json }}}`; none for GET. */
  readonly body?: string | undefined;
  /** Dot path of the provider's message id in a JSON answer, e.g. `messages.0.id`. */
  readonly messageIdField?: string | undefined;
  /** The sender the templates see as `from`. */
  readonly from: string;
}

/** Variables the templates see. Unknown ones are errors (strict), so a typo fails when the channel is configured. */
export interface HttpSmsVariables {
  readonly to: string;
  readonly from: string;
  readonly body: string;
  readonly deliveryId: string;
}

const engine = new Liquid({ strictVariables: true, strictFilters: true, ownPropertyOnly: true });

/** Parses the settings' templates; throws a Liquid error naming the broken one. */
function parse(settings: HttpSmsSettings) {
  return {
    url: engine.parse(settings.url),
    headers: Object.entries(settings.headers).map(([name, value]) => [name, engine.parse(value)] as const),
    body: settings.body === undefined ? undefined : engine.parse(settings.body),
  };
}

const sample: HttpSmsVariables = { to: '+15550100000', from: 'sender', body: 'text', deliveryId: 'dlv_sample' };

/** Why the settings' templates cannot work (a syntax error, an unknown variable or filter), or undefined. */
export function httpSmsTemplateProblem(settings: HttpSmsSettings): string | undefined {
  try {
    const templates = parse(settings);
    for (const template of [templates.url, ...templates.headers.map(([, t]) => t), ...(templates.body === undefined ? [] : [templates.body])]) {
      engine.renderSync(template, sample);
    }
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const render = (template: Template[], variables: HttpSmsVariables): Promise<string> => engine.render(template, variables) as Promise<string>;

function valueAtPath(root: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined), root);
}

/**
 * SMS through any HTTP provider: the URL, headers and body are Liquid
 * templates over the message, so a provider's API is configured, not coded.
 * Answers are classified like every HTTP provider's (see http-outcome.ts).
 */
export class HttpSmsAdapter implements ChannelAdapter {
  readonly channel = 'sms' as const;
  readonly provider = 'http-sms';
  readonly #s: HttpSmsSettings;
  readonly #templates: ReturnType<typeof parse>;
  readonly #clock: Clock;

  /** Throws when a template does not parse. */
  constructor(settings: HttpSmsSettings, clock: Clock) {
    this.#s = settings;
    this.#templates = parse(settings);
    this.#clock = clock;
  }

  async send(message: OutgoingMessage): Promise<DeliveryOutcome> {
    if (message.recipient.channel !== 'sms') return { kind: 'permanent', reason: `SMS cannot reach a ${message.recipient.channel} recipient` };
    const variables: HttpSmsVariables = { to: message.recipient.phone, from: this.#s.from, body: smsText(message), deliveryId: message.deliveryId };
    let request: { url: string; headers: Record<string, string>; body: string | undefined };
    try {
      request = {
        url: await render(this.#templates.url, variables),
        headers: Object.fromEntries(await Promise.all(this.#templates.headers.map(async ([name, t]) => [name, await render(t, variables)] as const))),
        body: this.#templates.body === undefined ? undefined : await render(this.#templates.body, variables),
      };
    } catch (error) {
      return { kind: 'permanent', reason: `the provider templates did not render: ${(error as Error).message}` };
    }
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: this.#s.method,
        headers: request.headers,
        ...(request.body !== undefined && this.#s.method !== 'GET' && { body: request.body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      return networkFailure(error);
    }
    if (!response.ok) return failureOutcome(response.status, response.headers.get('retry-after'), this.#clock.now(), await bodyExcerpt(response));
    const field = this.#s.messageIdField;
    if (field === undefined) {
      await response.body?.cancel();
      return { kind: 'sent' };
    }
    const id = valueAtPath(await response.json().catch(() => undefined), field);
    return { kind: 'sent', providerMessageId: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined };
  }

  async close(): Promise<void> {}
}
