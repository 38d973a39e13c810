import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({});
    expect(config.ok && config.value).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      dedupeWindowDays: 7,
      maxInflightMessages: 50_000,
    });
    expect(config.ok && config.value.dataDir).toMatch(/\/\.tessera$/);
    expect(config.ok && config.value.adminToken).toBeUndefined();
  });

  it('reads environment variables, and flags override them', () => {
    const config = loadConfig({ PORT: '9000', TESSERA_DATA_DIR: '/tmp/x', TESSERA_LOG_LEVEL: 'debug' }, { port: 9100 });
    expect(config.ok && config.value).toMatchObject({ port: 9100, dataDir: '/tmp/x', logLevel: 'debug' });
  });

  it('names the variable and the value when one is wrong', () => {
    const config = loadConfig({ PORT: 'abc', TESSERA_LOG_LEVEL: 'loud', TESSERA_ADMIN_TOKEN: 'short' });
    expect(config.ok).toBe(false);
    if (config.ok) return;
    expect(config.error).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'PORT', message: expect.stringContaining('"abc"') }),
        expect.objectContaining({ field: 'TESSERA_LOG_LEVEL', rule: 'enum' }),
        expect.objectContaining({ field: 'TESSERA_ADMIN_TOKEN', rule: 'minLength' }),
      ]),
    );
  });
});
