import { SmsSettings, type HttpSmsSettings as HttpSmsInput } from '../../contracts/index.js';
import type { Clock } from '../../lib/clock.js';
import { compileValidator } from '../../lib/validator.js';
import { err, ok } from '../../lib/result.js';
import { secretMask, type ChannelConfigurator } from '../channel-config-service.js';
import { HttpSmsAdapter, httpSmsTemplateProblem } from './http-sms-adapter.js';
import { TwilioSmsAdapter } from './twilio-adapter.js';

const validateSms = compileValidator(SmsSettings);
const defaultTwilioUrl = 'https://api.twilio.com';

/** Where Twilio posts a message's status: a route of this server, the delivery named in the (signed) URL. */
export const twilioStatusPath = '/v1/sms/twilio/status';

export interface SmsConfiguratorOptions {
  readonly clock: Clock;
  /** The base URL providers reach this server at (for status callbacks). */
  readonly publicUrl: () => string;
}

const httpSettingsOf = (s: HttpSmsInput) => ({
  url: s.url,
  method: s.method ?? 'POST',
  headers: s.headers ?? {},
  body: s.body,
  messageIdField: s.messageIdField,
  from: s.from,
});

/** The SMS channel's settings: Twilio (or its API's shape elsewhere) or any HTTP provider by templates. */
export function smsConfigurator(options: SmsConfiguratorOptions): ChannelConfigurator {
  return {
    channel: 'sms',
    provider: 'sms',
    validate(settings) {
      const checked = validateSms(settings, 'settings.');
      if (!checked.ok || checked.value.provider !== 'http') return checked;
      // Templates are tried now, so a broken one fails the configuration rather than every send.
      const problem = httpSmsTemplateProblem(httpSettingsOf(checked.value));
      return problem === undefined ? ok(checked.value) : err([{ field: 'settings', rule: 'template', message: `a template cannot render: ${problem}` }]);
    },
    redact(settings) {
      const s = settings as SmsSettings;
      if (s.provider === 'twilio') return { ...s, authToken: secretMask };
      return { ...s, ...(s.headers && { headers: Object.fromEntries(Object.keys(s.headers).map((name) => [name, secretMask])) }) };
    },
    build(settings) {
      const s = settings as SmsSettings;
      if (s.provider === 'http') return new HttpSmsAdapter(httpSettingsOf(s), options.clock);
      const callbacks = s.statusCallbacks ?? true;
      return new TwilioSmsAdapter(
        {
          accountSid: s.accountSid,
          authToken: s.authToken,
          from: s.from,
          baseUrl: s.baseUrl ?? defaultTwilioUrl,
          statusCallbackUrl: callbacks ? (deliveryId) => `${options.publicUrl()}${twilioStatusPath}?deliveryId=${encodeURIComponent(deliveryId)}` : undefined,
        },
        options.clock,
      );
    },
  };
}
