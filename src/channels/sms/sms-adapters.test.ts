import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer } from '../../../test/helpers/recording-server.js';
import { ManualClock } from '../../lib/clock.js';
import type { OutgoingMessage } from '../adapter.js';
import { HttpSmsAdapter, httpSmsTemplateProblem } from './http-sms-adapter.js';
import { TwilioSmsAdapter } from './twilio-adapter.js';
import { twilioSignature, verifyTwilioSignature } from './twilio-signature.js';

const sid = `AC${'1'.repeat(32)}`;
const token = 'twilio-auth-token-0123456789';
let provider: RecordingServer;
beforeEach(async () => {
  provider = await startRecordingServer({ status: 201, body: JSON.stringify({ sid: 'SM123', status: 'queued' }) });
});
afterEach(() => provider.close());

const message = (category: 'marketing' | 'transactional' = 'transactional'): OutgoingMessage => ({
  deliveryId: 'dlv_sms',
  profileId: 'prf_1',
  recipient: { channel: 'sms', phone: '+14155550123' },
  content: { text: 'Your order "42" & more shipped' },
  origin: { journeyId: 'jny_1', step: 'notify', template: 'shipped', variant: null, category },
  unsubscribeUrl: 'https://cdp.example/t/u/abc',
});

const twilio = (statusCallbackUrl?: (id: string) => string) =>
  new TwilioSmsAdapter({ accountSid: sid, authToken: token, from: '+14155550100', baseUrl: provider.url, statusCallbackUrl }, new ManualClock());

describe('TwilioSmsAdapter', () => {
  it("posts Twilio's form with Basic auth and the status callback, and returns the message SID", async () => {
    const outcome = await twilio((id) => `https://cdp.example/v1/sms/twilio/status?deliveryId=${id}`).send(message());
    expect(outcome).toEqual({ kind: 'sent', providerMessageId: 'SM123' });
    const [request] = provider.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe(`/2010-04-01/Accounts/${sid}/Messages.json`);
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request!.body.toString()))).toEqual({
      To: '+14155550123',
      From: '+14155550100',
      Body: 'Your order "42" & more shipped',
      StatusCallback: 'https://cdp.example/v1/sms/twilio/status?deliveryId=dlv_sms',
    });
  });

  it('adds the unsubscribe link to marketing texts only', async () => {
    await twilio().send(message('marketing'));
    const body = new URLSearchParams(provider.requests[0]!.body.toString()).get('Body');
    expect(body).toBe('Your order "42" & more shipped\n\nUnsubscribe: https://cdp.example/t/u/abc');
  });

  it("classifies Twilio's errors: an invalid number is a hard bounce, 429 and 5xx are transient", async () => {
    provider.script(
      { status: 400, body: JSON.stringify({ code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 }) },
      { status: 401, body: JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }) },
      { status: 429, headers: { 'retry-after': '5' }, body: JSON.stringify({ code: 20429, message: 'Too Many Requests' }) },
      { status: 503 },
    );
    const adapter = twilio();
    expect(await adapter.send(message())).toEqual({ kind: 'permanent', reason: "HTTP 400: 21211 The 'To' number is not a valid phone number.", bounce: 'hard' });
    expect(await adapter.send(message())).toEqual({ kind: 'permanent', reason: 'HTTP 401: 20003 Authenticate' });
    expect(await adapter.send(message())).toEqual({ kind: 'transient', reason: 'HTTP 429: 20429 Too Many Requests', retryAfterMs: 5000 });
    expect(await adapter.send(message())).toMatchObject({ kind: 'transient', reason: 'HTTP 503' });
  });
});

describe('Twilio signatures', () => {
  it("matches Twilio's documented example and refuses any change", () => {
    // The example of Twilio's security documentation: URL, parameters, auth token and the signature they give.
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
    expect(twilioSignature('12345', url, params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(verifyTwilioSignature('12345', url, params, '0/KCTR6DLpKmkAf8muzZqo1nDgQ=')).toBe(true);
    expect(verifyTwilioSignature('12345', url, { ...params, Digits: '1235' }, '0/KCTR6DLpKmkAf8muzZqo1nDgQ=')).toBe(false);
    expect(verifyTwilioSignature('12345', `${url}&baz=3`, params, '0/KCTR6DLpKmkAf8muzZqo1nDgQ=')).toBe(false);
    expect(verifyTwilioSignature('12345', url, params, undefined)).toBe(false);
  });
});

describe('HttpSmsAdapter', () => {
  it('renders URL, headers and body from templates, escaping JSON, and reads the message id from the answer', async () => {
    provider.script({ status: 200, body: JSON.stringify({ messages: [{ id: 'p-77' }] }) });
    const adapter = new HttpSmsAdapter(
      {
        url: `${provider.url}/send?to={{ to | url_encode }}`,
        method: 'POST',
        headers: { authorization: 'Bearer key-123', 'content-type': 'application/json' },
        body: '{"from": {{ from | json }}, "to": {{ to | json }}, "text": {{ body | json }}, "ref": {{ deliveryId | json }}}',
        messageIdField: 'messages.0.id',
        from: 'SHOP',
      },
      new ManualClock(),
    );
    expect(await adapter.send(message())).toEqual({ kind: 'sent', providerMessageId: 'p-77' });
    const [request] = provider.requests;
    expect(request?.url).toBe('/send?to=%2B14155550123');
    expect(request?.headers.authorization).toBe('Bearer key-123');
    expect(JSON.parse(request!.body.toString())).toEqual({ from: 'SHOP', to: '+14155550123', text: 'Your order "42" & more shipped', ref: 'dlv_sms' });
  });

  it('names the template problem (unknown variable, unknown filter, syntax) before anything is sent', () => {
    const settings = { url: 'https://sms.test/send', method: 'POST' as const, headers: {}, from: 'S' };
    expect(httpSmsTemplateProblem({ ...settings, body: '{"to": {{ to | json }}}' })).toBeUndefined();
    expect(httpSmsTemplateProblem({ ...settings, body: '{"to": {{ too }}}' })).toMatch(/undefined variable: too/);
    expect(httpSmsTemplateProblem({ ...settings, headers: { 'x-key': '{{ to | shout }}' } })).toMatch(/undefined filter: shout/);
    expect(httpSmsTemplateProblem({ ...settings, url: 'https://sms.test/{{ to' })).toMatch(/not closed/);
  });
});
