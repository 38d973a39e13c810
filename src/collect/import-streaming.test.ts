/**
 * The read-and-convert path of an import holds one record at a time: a
 * million CSV rows go through it with the heap growing by a small fraction of
 * what the file's rows or messages would take if they were kept.
 */
import { expect, it } from 'vitest';
import { compileMapping } from './import-mapping.js';
import { readFile } from './import-readers.js';

const rows = 1_000_000;

async function* file(): AsyncGenerator<string> {
  yield 'id,email,name,born,vip,ltv\n';
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += `c-${i},person${i}@example.com,"Name ${i}, Jr",${String((i % 28) + 1).padStart(2, '0')}/${String((i % 12) + 1).padStart(2, '0')}/1980,${i % 2 === 0 ? 'yes' : 'no'},${i}.5\n`;
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

it('reads and converts a million CSV rows in bounded memory', { timeout: 300_000 }, async () => {
  const mapping = compileMapping(
    {
      identifiers: [
        { column: 'id', type: 'user_id' },
        { column: 'email', type: 'email' },
      ],
      traits: [{ column: 'name' }, { column: 'born', type: 'date', format: 'DD/MM/YYYY' }, { column: 'vip', type: 'boolean' }, { column: 'ltv', type: 'number' }],
    },
    (type) => ({ user_id: [['userId']], email: [['traits', 'email']] })[type],
  );
  if (!mapping.ok) throw new Error(JSON.stringify(mapping.error));
  const context = {
    importId: 'imp_1',
    sourceId: 'src_1',
    channel: 'import' as const,
    messageIdPrefix: 'import:x:',
    receivedAt: 0,
    defaultTimestamp: '2026-01-01T00:00:00.000Z',
    textCells: true,
  };
  const baseHeap = process.memoryUsage().heapUsed;
  let peakHeap = 0;
  let messages = 0;
  let lastLine = 0;
  const started = performance.now();
  for await (const item of readFile('csv', file(), { offset: 0, line: 0 })) {
    if (item.kind !== 'record' || item.values === undefined) continue;
    const converted = mapping.value.convert(item.values, item.line, item.bytes, context);
    if (converted.ok) messages += converted.messages.length;
    lastLine = item.line;
    if (lastLine % 10_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed - baseHeap);
  }
  const seconds = (performance.now() - started) / 1000;
  expect(messages).toBe(rows);
  expect(lastLine).toBe(rows + 1);
  // Kept, the rows' messages alone would take well over 500 MB.
  expect(peakHeap).toBeLessThan(128 * 1024 * 1024);
  console.log(`1M-row CSV read and converted in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s), peak heap growth ${(peakHeap / 1024 / 1024).toFixed(0)} MB`);
});
