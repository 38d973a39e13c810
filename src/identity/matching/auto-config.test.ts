import { describe, expect, it } from 'vitest';
import { proposeConfig } from './auto-config.js';
import { parseMatchConfig } from './config.js';
import { tableFromRows } from './record-table.js';

describe('proposeConfig', () => {
  it('recognises fields by name and by value shape, and blocks on the telling ones', () => {
    const table = tableFromRows([
      { customer_id: 'c1', 'First Name': 'Ann', surname: 'Lee', contact: 'ann@example.com', mob: '+44 7700 900123', born: '1980-04-07', zip: '10001', notes: 'vip' },
      { customer_id: 'c2', 'First Name': 'Bob', surname: 'Ray', contact: 'bob@example.org', mob: '07700 900456', born: '1975-12-01', zip: '10002', notes: '' },
    ]);
    const { config, ignored } = proposeConfig(table);
    expect(config.id).toBe('customer_id');
    expect(config.fields.map((f) => [f.column ?? f.name, f.kind])).toEqual([
      ['First Name', 'name'],
      ['surname', 'name'],
      ['contact', 'email'],
      ['mob', 'phone'],
      ['born', 'date'],
      ['zip', 'postcode'],
    ]);
    expect(config.fields[0]!.levels?.[1]).toEqual({ type: 'swapped', with: 'surname' });
    expect(ignored).toEqual(['notes']);
    expect(config.blocking.map((r) => r.on)).toContainEqual(['contact']);
    expect(config.blocking.map((r) => r.on)).toContainEqual(['first', 'surname']);
    // The proposal is a valid config.
    expect(parseMatchConfig(config).ok).toBe(true);
  });

  it('keeps every address line, and takes house numbers and national ids as exact values', () => {
    const table = tableFromRows([
      { rec_id: 'r1', street_number: '12', address_1: 'high street', address_2: 'flat 2', soc_sec_id: '1234567', 'post code': '2600' },
    ]);
    const { config } = proposeConfig(table);
    expect(config.fields.map((f) => [f.name, f.column ?? f.name, f.kind])).toEqual([
      ['street_number', 'street_number', 'exact'],
      ['address_1', 'address_1', 'text'],
      ['address_2', 'address_2', 'text'],
      ['soc_sec_id', 'soc_sec_id', 'exact'],
      ['postcode', 'post code', 'postcode'],
    ]);
    expect(config.blocking[0]).toEqual({ on: ['soc_sec_id'] });
  });

  it('says so when nothing can be matched on', () => {
    expect(() => proposeConfig(tableFromRows([{ id: '1', amount: '3' }]))).toThrow(/no column looks like/);
  });
});
