/**
 * Message templates: LiquidJS content per channel, with locale variants. Journey
 * send steps name a template; the dispatcher renders it for each person.
 */
import Type, { type Static } from 'typebox';
import { IsoTimestamp, JsonObject } from './common.js';
import { journeyChannels } from './journeys.js';

const Liquid = (description: string, maxLength = 100_000) => Type.String({ maxLength, description: `${description} (LiquidJS)` });

export const TemplateContent = Type.Object(
  {
    email: Type.Optional(
      Type.Object(
        {
          subject: Liquid('Subject line', 1_000),
          html: Type.Optional(Liquid('HTML part')),
          text: Type.Optional(Liquid('Plain-text part')),
          fromAddress: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', description: "This template's sender (a brand's), instead of the channel's" })),
          fromName: Type.Optional(Type.String({ maxLength: 200, description: "This template's sender name" })),
        },
        { additionalProperties: false },
      ),
    ),
    sms: Type.Optional(Type.Object({ text: Liquid('Message text', 2_000) }, { additionalProperties: false })),
    push: Type.Optional(
      Type.Object({ title: Liquid('Title', 500), body: Liquid('Body', 2_000), url: Type.Optional(Liquid('Where a tap goes', 2_000)) }, { additionalProperties: false }),
    ),
    in_app: Type.Optional(
      Type.Object({ title: Liquid('Title', 500), body: Liquid('Body', 10_000), url: Type.Optional(Liquid('Where a tap goes', 2_000)) }, { additionalProperties: false }),
    ),
    webhook: Type.Optional(Type.Object({ json: Liquid('The JSON body, after rendering') }, { additionalProperties: false })),
  },
  { additionalProperties: false, minProperties: 1, description: 'Content per channel; a send on a channel without content fails' },
);
export type TemplateContent = Static<typeof TemplateContent>;

const TemplateName = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,99}$', description: 'What journey send steps name: lower-case letters, digits, _ and -' });
const LocaleTag = Type.String({ pattern: '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$', description: 'A BCP 47 tag such as fr or pt-BR' });
const Locales = Type.Record(LocaleTag, TemplateContent, {
  description: "Variants by locale, chosen by the profile's locale trait (pt-BR, then pt), else the default content",
});

export const TemplateCreate = Type.Object(
  {
    name: TemplateName,
    description: Type.Optional(Type.String({ maxLength: 1_000 })),
    content: TemplateContent,
    locales: Type.Optional(Locales),
  },
  { additionalProperties: false },
);
export type TemplateCreate = Static<typeof TemplateCreate>;

export const TemplatePatch = Type.Object(
  {
    name: Type.Optional(TemplateName),
    description: Type.Optional(Type.String({ maxLength: 1_000 })),
    content: Type.Optional(TemplateContent),
    locales: Type.Optional(Locales),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TemplatePatch = Static<typeof TemplatePatch>;

export const Template = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  content: TemplateContent,
  locales: Type.Record(Type.String(), TemplateContent),
  version: Type.Integer({ description: 'Bumped by every change' }),
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
});
export type Template = Static<typeof Template>;

export const TemplateList = Type.Object({ templates: Type.Array(Template) });
export const TemplateIdParams = Type.Object({ id: Type.String({ description: 'Template id or name' }) });

export const TemplateRenderRequest = Type.Object(
  {
    profileId: Type.Optional(Type.String({ minLength: 1, description: 'Render for this stored profile' })),
    profile: Type.Optional(
      Type.Object(
        { traits: JsonObject },
        { additionalProperties: false, description: 'Or for a profile given here: its traits (computed ones included)' },
      ),
    ),
    channel: Type.Optional(Type.Enum(journeyChannels, { description: 'Default: the first channel the template has content for' })),
    event: Type.Optional(Type.Object({ name: Type.Optional(Type.String()), properties: Type.Optional(JsonObject) }, { additionalProperties: false })),
    journey: Type.Optional(
      Type.Object(
        { id: Type.Optional(Type.String()), name: Type.Optional(Type.String()), step: Type.Optional(Type.String()), variant: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type TemplateRenderRequest = Static<typeof TemplateRenderRequest>;

export const RenderedContentView = Type.Object({
  subject: Type.Optional(Type.String()),
  from: Type.Optional(Type.Object({ address: Type.String(), name: Type.Optional(Type.String()) })),
  text: Type.String(),
  html: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
  json: Type.Optional(Type.Unknown()),
});

export const TemplateRenderResult = Type.Object({
  channel: Type.Enum(journeyChannels),
  locale: Type.Union([Type.String(), Type.Null()], { description: 'The locale variant used; null for the default content' }),
  content: RenderedContentView,
});
export type TemplateRenderResult = Static<typeof TemplateRenderResult>;
