import type { Clock } from '../../lib/clock.js';
import type { ChannelAdapter, DeliveryOutcome, OutgoingMessage } from '../adapter.js';
import { failureOutcome, networkFailure } from '../webhook/http-outcome.js';
import { verifyTwilioSignature } from './twilio-signature.js';
import { smsText } from './sms-text.js';

export interface TwilioSettings {
  readonly accountSid: string;
  /** Secret: authenticates API calls and signs status callbacks. */
  readonly authToken: string;
  /** The sender: a phone number in E.164, or a messaging service SID (MG…). */
  readonly from: string;
  /** The API's base URL; another only for a Twilio-compatible provider or a test double. */
  readonly baseUrl: string;
  /** Where Twilio posts delivery status, for a message; undefined: no callbacks asked for. */
  readonly statusCallbackUrl?: ((deliveryId: string) => string) | undefined;
}

/** Twilio error codes that say the number can never get an SMS: treated as a hard bounce (the number is suppressed). */
const unreachableNumberCodes = new Set([21211, 21214, 21610, 21612, 21614]);

/**
 * SMS through Twilio's Messages API (or any provider speaking its shape):
 * POST {base}/2010-04-01/Accounts/{sid}/Messages.json, form-encoded, Basic
 * auth with the account SID and auth token.
 */
export class TwilioSmsAdapter implements ChannelAdapter {
  readonly channel = 'sms' as const;
  readonly provider = 'twilio';
  readonly #s: TwilioSettings;
  readonly #clock: Clock;

  constructor(settings: TwilioSettings, clock: Clock) {
    this.#s = settings;
    this.#clock = clock;
  }

  async send(message: OutgoingMessage): Promise<DeliveryOutcome> {
    if (message.recipient.channel !== 'sms') return { kind: 'permanent', reason: `SMS cannot reach a ${message.recipient.channel} recipient` };
    const { accountSid, authToken, from, baseUrl } = this.#s;
    const form = new URLSearchParams({ To: message.recipient.phone, Body: smsText(message) });
    form.set(from.startsWith('MG') ? 'MessagingServiceSid' : 'From', from);
    const callback = this.#s.statusCallbackUrl?.(message.deliveryId);
    if (callback !== undefined) form.set('StatusCallback', callback);
    let response: Response;
    try {
      response = await fetch(`${baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: form.toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      return networkFailure(error);
    }
    const answer = (await response.json().catch(() => ({}))) as { sid?: unknown; code?: unknown; message?: unknown };
    if (response.ok) return { kind: 'sent', providerMessageId: typeof answer.sid === 'string' ? answer.sid : undefined };
    const detail = [answer.code, answer.message].filter((part): part is string | number => typeof part === 'string' || typeof part === 'number').join(' ');
    const outcome = failureOutcome(response.status, response.headers.get('retry-after'), this.#clock.now(), detail);
    return outcome.kind === 'permanent' && typeof answer.code === 'number' && unreachableNumberCodes.has(answer.code) ? { ...outcome, bounce: 'hard' } : outcome;
  }

  /** Whether a status callback really comes from Twilio for this account (see twilio-signature.ts). */
  verifyCallback(url: string, params: Readonly<Record<string, string>>, signature: string | undefined): boolean {
    return verifyTwilioSignature(this.#s.authToken, url, params, signature);
  }

  async close(): Promise<void> {}
}
