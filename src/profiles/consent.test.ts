import { describe, expect, it } from 'vitest';
import { TesseraError } from '../lib/errors.js';
import { apiConsentContribution } from './consent.js';
import { emptyState } from './state.js';

describe('apiConsentContribution', () => {
  const provenance = { sourceId: 'api', messageId: 'form-7' };

  it('contributes consent only: no message, channel or time seen', () => {
    const contribution = apiConsentContribution(
      [
        { channel: 'sms', purpose: 'marketing', state: 'denied' },
        { channel: 'email', purpose: 'marketing', state: 'granted' },
      ],
      '2026-01-01T00:00:00.000Z',
      provenance,
    );
    expect(contribution).toEqual({
      ...emptyState,
      consent: {
        'email:marketing': { state: 'granted', at: '2026-01-01T00:00:00.000Z', provenance },
        'sms:marketing': { state: 'denied', at: '2026-01-01T00:00:00.000Z', provenance },
      },
    });
    expect(Object.keys(contribution.consent)).toEqual(['email:marketing', 'sms:marketing']);
  });

  it('refuses two statements on one channel and purpose, naming the second', () => {
    const twice = () =>
      apiConsentContribution(
        [
          { channel: 'push', purpose: 'transactional', state: 'granted' },
          { channel: 'email', purpose: 'marketing', state: 'granted' },
          { channel: 'push', purpose: 'transactional', state: 'denied' },
        ],
        '2026-01-01T00:00:00.000Z',
        provenance,
      );
    expect(twice).toThrow(TesseraError);
    expect(twice).toThrow('consent[2]: says push transactional again, after consent[0]');
  });
});
