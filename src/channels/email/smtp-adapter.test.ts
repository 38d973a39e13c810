import { describe, expect, it } from 'vitest';
import { classifySmtpError } from './smtp-adapter.js';

describe('classifySmtpError', () => {
  it('makes a 5xx reply a permanent hard bounce', () => {
    expect(classifySmtpError({ responseCode: 550, response: '550 5.1.1 No such user' })).toEqual({ kind: 'permanent', reason: '550 5.1.1 No such user', bounce: 'hard' });
  });

  it('makes 4xx replies and connection failures transient', () => {
    expect(classifySmtpError({ responseCode: 451, response: '451 later' }).kind).toBe('transient');
    expect(classifySmtpError({ code: 'ECONNECTION', message: 'connect ECONNREFUSED' }).kind).toBe('transient');
  });

  it('fails an authentication error without blaming the address', () => {
    expect(classifySmtpError({ code: 'EAUTH', responseCode: 535, response: '535 bad credentials' })).toEqual({
      kind: 'permanent',
      reason: 'SMTP authentication failed: 535 bad credentials',
    });
  });
});
