/** Settings of the SMS and webhook channels: `PUT /api/v1/channels/{sms|webhook}` bodies' `settings`. */
import Type, { type Static } from 'typebox';

export const TwilioSmsSettings = Type.Object(
  {
    provider: Type.Literal('twilio'),
    accountSid: Type.String({ pattern: '^AC[0-9a-fA-F]{32}$', description: 'The account SID (AC…)' }),
    authToken: Type.String({ minLength: 16, maxLength: 200, description: 'Secret: never returned' }),
    from: Type.String({ pattern: '^(\\+[1-9]\\d{6,14}|MG[0-9a-fA-F]{32})$', description: 'Sender: an E.164 number or a messaging service SID (MG…)' }),
    baseUrl: Type.Optional(Type.String({ pattern: '^https?://', description: 'Default https://api.twilio.com; another for a Twilio-compatible provider' })),
    statusCallbacks: Type.Optional(Type.Boolean({ description: 'Ask for delivery status callbacks (Message Delivered / Message Failed); default true' })),
  },
  { additionalProperties: false },
);
export type TwilioSmsSettings = Static<typeof TwilioSmsSettings>;

export const HttpSmsSettings = Type.Object(
  {
    provider: Type.Literal('http'),
    url: Type.String({ minLength: 8, maxLength: 2000, description: 'Liquid template over to, from, body, deliveryId' }),
    method: Type.Optional(Type.Enum(['POST', 'PUT', 'GET'] as const, { description: 'Default POST' })),
    headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Type.String({ maxLength: 4000 }), { description: 'Liquid templates; secret: values never returned' })),
    body: Type.Optional(Type.String({ maxLength: 20_000, description: 'Liquid template, e.g. {"to": {{ to | json }}, "text": {{ body | json }}}' })),
    messageIdField: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Dot path of the provider's message id in its JSON answer" })),
    from: Type.String({ minLength: 1, maxLength: 100, description: 'The sender the templates see as {{ from }}' }),
  },
  { additionalProperties: false },
);
export type HttpSmsSettings = Static<typeof HttpSmsSettings>;

export const SmsSettings = Type.Union([TwilioSmsSettings, HttpSmsSettings]);
export type SmsSettings = Static<typeof SmsSettings>;

export const WebhookSettings = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', maxLength: 2000, description: 'Where every webhook message is POSTed' }),
    secret: Type.String({ minLength: 16, maxLength: 200, description: 'Secret the signatures are made with (see the README); never returned' }),
  },
  { additionalProperties: false },
);
export type WebhookSettings = Static<typeof WebhookSettings>;
