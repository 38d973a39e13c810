import { describe, expect, it } from 'vitest';
import { originAllowed } from './origins.js';

describe('originAllowed', () => {
  it.each([
    [['*'], 'https://anything.example', true],
    [['https://shop.example.com'], 'https://shop.example.com', true],
    [['https://shop.example.com'], 'HTTPS://SHOP.EXAMPLE.COM', true],
    [['https://shop.example.com'], 'http://shop.example.com', false],
    [['https://shop.example.com'], 'https://shop.example.com:8443', false],
    [['https://*.example.com'], 'https://m.example.com', true],
    [['https://*.example.com'], 'https://a.b.example.com', true],
    [['https://*.example.com'], 'https://example.com', false],
    [['https://*.example.com'], 'https://evilexample.com', false],
    [['https://*.example.com'], 'http://m.example.com', false],
    [[], 'https://shop.example.com', false],
  ])('%j allows %s: %s', (patterns, origin, allowed) => {
    expect(originAllowed(patterns, origin)).toBe(allowed);
  });
});
