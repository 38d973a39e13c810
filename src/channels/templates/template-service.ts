import { journeyChannels, type JourneyChannel, type Template, type TemplateContent, type TemplateCreate, type TemplatePatch, type TemplateRenderRequest, type TemplateRenderResult } from '../../contracts/index.js';
import type { Clock } from '../../lib/clock.js';
import { TesseraError, invalid, notFound, type FieldProblem } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { err, ok, type Result } from '../../lib/result.js';
import type { TemplateRecord, TemplateStore } from '../../store/index.js';
import type { RenderedContent } from '../adapter.js';
import type { PersonReader } from '../person.js';
import { checkVariables } from './check.js';
import { htmlEngine, textEngine } from './liquid.js';
import { chooseLocale } from './locale.js';
import { renderChannel } from './render.js';
import type { TemplateScope } from './scope.js';

export interface TemplateServiceOptions {
  readonly store: TemplateStore;
  readonly people: PersonReader;
  /** Trait names some profile can have: configured, computed, reserved. */
  readonly knownTraits: () => ReadonlySet<string>;
  readonly clock: Clock;
}

/** What a send knows besides the person, for the template's scope. */
export interface SendScope {
  readonly event: TemplateScope['event'];
  readonly journey: TemplateScope['journey'];
  readonly messageId: string | null;
  readonly unsubscribeUrl: string;
}

export interface RenderedTemplate {
  readonly locale: string | null;
  readonly content: RenderedContent;
  readonly version: number;
}

const view = (t: TemplateRecord): Template => ({
  id: t.id,
  name: t.name,
  description: t.description,
  content: t.content,
  locales: t.locales,
  version: t.version,
  createdAt: new Date(t.createdAt).toISOString(),
  updatedAt: new Date(t.updatedAt).toISOString(),
});

const contentParts = (content: TemplateContent): [string, string, boolean][] => {
  const parts: [string, string | undefined, boolean][] = [
    ['email.subject', content.email?.subject, false],
    ['email.html', content.email?.html, true],
    ['email.text', content.email?.text, false],
    ['sms.text', content.sms?.text, false],
    ['push.title', content.push?.title, false],
    ['push.body', content.push?.body, false],
    ['push.url', content.push?.url, false],
    ['in_app.title', content.in_app?.title, false],
    ['in_app.body', content.in_app?.body, false],
    ['in_app.url', content.in_app?.url, false],
    ['webhook.json', content.webhook?.json, false],
  ];
  return parts.filter((p): p is [string, string, boolean] => p[1] !== undefined);
};

/** A person's scope; profile.email and phone are their first identifiers of the type. */
export function scopeOf(person: { id: string | null; traits: Readonly<Record<string, unknown>>; identifiers: readonly string[] }, channel: JourneyChannel, send: SendScope): TemplateScope {
  const first = (type: string): string | null => person.identifiers.find((k) => k.startsWith(`${type}:`))?.slice(type.length + 1) ?? null;
  return {
    traits: person.traits,
    profile: { id: person.id, email: first('email'), phone: first('phone') },
    event: send.event,
    journey: send.journey,
    message: { id: send.messageId, channel },
    unsubscribe_url: send.unsubscribeUrl,
  };
}

/**
 * Message templates: saved only when every text parses and passes the strict
 * variable check (see check.ts); rendered for a send with the person's locale
 * variant; previewed through the same code path a send takes.
 */
export class TemplateService {
  readonly #o: TemplateServiceOptions;

  constructor(options: TemplateServiceOptions) {
    this.#o = options;
  }

  async list(): Promise<Template[]> {
    return (await this.#o.store.list()).map(view);
  }

  async get(idOrName: string): Promise<Template> {
    return view(await this.#find(idOrName));
  }

  async create(input: TemplateCreate): Promise<Template> {
    this.#check(input.content, input.locales ?? {});
    const now = this.#o.clock.now();
    const record: TemplateRecord = {
      id: newId('tpl'),
      name: input.name,
      description: input.description ?? null,
      content: input.content,
      locales: input.locales ?? {},
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.#o.store.create(record))) throw nameTaken(input.name);
    return view(record);
  }

  async update(idOrName: string, patch: TemplatePatch): Promise<Template> {
    const current = await this.#find(idOrName);
    const next: TemplateRecord = {
      ...current,
      name: patch.name ?? current.name,
      description: patch.description ?? current.description,
      content: patch.content ?? current.content,
      locales: patch.locales ?? current.locales,
      version: current.version + 1,
      updatedAt: this.#o.clock.now(),
    };
    this.#check(next.content, next.locales);
    if (!(await this.#o.store.update(next))) throw nameTaken(next.name);
    return view(next);
  }

  async remove(idOrName: string): Promise<void> {
    const current = await this.#find(idOrName);
    await this.#o.store.remove(current.id);
  }

  /** `POST /templates/{id}/render`: what a send to this person would carry, unsubscribe and tracking links aside. */
  async preview(idOrName: string, request: TemplateRenderRequest): Promise<TemplateRenderResult> {
    const template = await this.#find(idOrName);
    if ((request.profileId === undefined) === (request.profile === undefined)) {
      throw invalid([{ field: 'profileId', rule: 'oneOf', message: 'give either profileId or profile, not both nor neither' }]);
    }
    let person: { id: string | null; traits: Readonly<Record<string, unknown>>; identifiers: readonly string[] };
    if (request.profileId !== undefined) {
      const found = await this.#o.people(request.profileId);
      if (found === undefined) throw notFound('profile', request.profileId);
      person = found;
    } else {
      person = { id: null, traits: request.profile?.traits ?? {}, identifiers: [] };
    }
    const channel = request.channel ?? journeyChannels.find((c) => template.content[c] !== undefined) ?? 'email';
    const scope = scopeOf(person, channel, {
      event: { name: request.event?.name ?? null, properties: request.event?.properties ?? {} },
      journey: {
        id: request.journey?.id ?? null,
        name: request.journey?.name ?? null,
        step: request.journey?.step ?? null,
        variant: request.journey?.variant ?? null,
      },
      messageId: null,
      unsubscribeUrl: 'https://unsubscribe.example/preview',
    });
    const rendered = renderTemplate(template, channel, scope);
    if (!rendered.ok) throw invalid([{ field: 'channel', rule: 'render', message: rendered.error }]);
    const content = Object.fromEntries(Object.entries(rendered.value.content).filter(([, v]) => v !== undefined)) as TemplateRenderResult['content'];
    return { channel, locale: rendered.value.locale, content };
  }

  /** The template a send names, or undefined when there is none by that name. */
  byName(name: string): Promise<TemplateRecord | undefined> {
    return this.#o.store.byName(name);
  }

  async #find(idOrName: string): Promise<TemplateRecord> {
    const found = (await this.#o.store.get(idOrName)) ?? (await this.#o.store.byName(idOrName));
    if (found === undefined) throw notFound('template', idOrName);
    return found;
  }

  /** Parses every text and runs the strict variable check; all problems at once, each located. */
  #check(content: TemplateContent, locales: Readonly<Record<string, TemplateContent>>): void {
    const known = this.#o.knownTraits();
    const problems: FieldProblem[] = [];
    const variants: [string, TemplateContent][] = [['content', content], ...Object.entries(locales).map(([tag, c]): [string, TemplateContent] => [`locales.${tag}`, c])];
    for (const [prefix, variant] of variants) {
      for (const [part, source, html] of contentParts(variant)) {
        const field = `${prefix}.${part}`;
        try {
          problems.push(...checkVariables((html ? htmlEngine : textEngine).parse(source), source, field, known));
        } catch (error) {
          problems.push({ field, rule: 'syntax', message: (error as Error).message });
        }
      }
    }
    if (problems.length > 0) throw invalid(problems);
  }
}

/** The person's locale variant (by their `locale` trait) of a template, rendered for a channel. */
export function renderTemplate(template: Pick<TemplateRecord, 'content' | 'locales' | 'version'>, channel: JourneyChannel, scope: TemplateScope): Result<RenderedTemplate, string> {
  const locale = chooseLocale(
    Object.keys(template.locales).filter((tag) => template.locales[tag]?.[channel] !== undefined),
    scope.traits['locale'],
  );
  const content = (locale === null ? undefined : template.locales[locale]) ?? template.content;
  const rendered = renderChannel(content, channel, scope);
  return rendered.ok ? ok({ locale, content: rendered.value, version: template.version }) : err(rendered.error);
}

const nameTaken = (name: string): TesseraError => new TesseraError('TESSERA_ERR_CONFLICT', `a template named '${name}' exists already`);
