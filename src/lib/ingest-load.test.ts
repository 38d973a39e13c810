import { describe, expect, it } from 'vitest';
import { IngestLoad } from './ingest-load.js';

describe('IngestLoad', () => {
  it('is busy for a window after enough messages came in within one, and quiet again after it', async () => {
    const load = new IngestLoad({ windowMs: 100, busyMessages: 10 });
    expect(load.busy()).toBe(false);
    load.note(4);
    load.note(5);
    expect(load.busy()).toBe(false);
    load.note(1);
    expect(load.busy()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(load.busy()).toBe(false);
  });

  it('shares its state with an instance on the same buffer, as a worker thread would hold', () => {
    const collector = new IngestLoad({ busyMessages: 1 });
    const stage = new IngestLoad({ buffer: collector.buffer });
    expect(stage.busy()).toBe(false);
    collector.note(1);
    expect(stage.busy()).toBe(true);
  });
});
