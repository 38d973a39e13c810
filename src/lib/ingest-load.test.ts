import { afterEach, describe, expect, it, vi } from 'vitest';
import { IngestLoad, restWhileBusy } from './ingest-load.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('IngestLoad', () => {
  it('is busy once the messages of a window would take the stages more than their share of it, and quiet a window later', async () => {
    const load = new IngestLoad({ windowMs: 100, maxStageShare: 0.5 });
    load.batchApplied('unify', 100, 100); // 1 ms a message: 50 messages fill half of 100 ms
    load.note(30);
    load.note(20);
    expect(load.busy()).toBe(false);
    load.note(1);
    expect(load.busy()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(load.busy()).toBe(false);
  });

  it('stays quiet for a burst the stages can keep up with, however many messages it holds', () => {
    const load = new IngestLoad({ windowMs: 1_000, maxStageShare: 0.5 });
    load.batchApplied('unify', 1_000, 100); // 0.1 ms a message
    load.note(4_000);
    load.settled();
    expect(load.busy()).toBe(false);
    load.note(1_001);
    expect(load.busy()).toBe(true);
  });

  it('is busy while tracking calls crowd in, however cheap the stages are', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const load = new IngestLoad({ windowMs: 1_000, maxCallsInProgress: 2 });
    load.batchApplied('unify', 1_000, 1); // far too cheap to count
    // Three calls in progress for a whole window, as clients sending as fast as they are answered keep them.
    for (let i = 0; i < 3; i++) load.note(1);
    vi.setSystemTime(1_001_000);
    for (let i = 0; i < 3; i++) load.settled();
    expect(load.busy()).toBe(false);
    load.note(1);
    expect(load.busy()).toBe(true);
  });

  it('stays quiet for calls that come one at a time, even many of them', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const load = new IngestLoad({ windowMs: 1_000, maxCallsInProgress: 2 });
    load.batchApplied('unify', 1_000, 1);
    // A call every 10 ms, each answered in 5 ms: half a call in progress on average.
    for (let t = 0; t <= 2_000; t += 10) {
      vi.setSystemTime(1_000_000 + t);
      load.note(10);
      vi.setSystemTime(1_000_000 + t + 5);
      load.settled();
    }
    expect(load.busy()).toBe(false);
  });

  it('is active for a window after each tracking call, busy or not', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const load = new IngestLoad({ windowMs: 1_000 });
    expect(load.active()).toBe(false);
    load.note(1);
    load.settled();
    expect(load.active()).toBe(true);
    expect(load.busy()).toBe(false);
    vi.setSystemTime(1_000_999);
    expect(load.active()).toBe(true);
    vi.setSystemTime(1_001_000);
    expect(load.active()).toBe(false);
  });

  it('adds up what every stage takes per message', () => {
    const load = new IngestLoad();
    load.batchApplied('unify', 100, 30);
    load.batchApplied('segments', 100, 50);
    expect(load.stageMsPerMessage()).toBeCloseTo(0.8, 6);
  });

  it('follows a stage whose cost changes, weighing big batches more than small ones', () => {
    const load = new IngestLoad();
    load.batchApplied('unify', 1_000, 1_000);
    expect(load.stageMsPerMessage()).toBeCloseTo(1, 6);
    // A batch of 200 records at twice the cost moves it a little.
    load.batchApplied('unify', 200, 400);
    expect(load.stageMsPerMessage()).toBeGreaterThan(1.05);
    expect(load.stageMsPerMessage()).toBeLessThan(1.2);
    for (let i = 0; i < 60; i++) load.batchApplied('unify', 1_000, 200);
    expect(load.stageMsPerMessage()).toBeCloseTo(0.2, 2);
  });

  it('leaves small batches out of the cost, as their fixed costs would overstate a record', () => {
    const load = new IngestLoad();
    load.batchApplied('unify', 1_000, 200);
    for (let i = 0; i < 100; i++) load.batchApplied('unify', 10, 9);
    expect(load.stageMsPerMessage()).toBeCloseTo(0.2, 6);
  });

  it('is never busy from messages alone before any stage has told what a message costs it', () => {
    const load = new IngestLoad({ windowMs: 100 });
    load.note(1_000_000);
    expect(load.busy()).toBe(false);
  });

  it('shares its state with an instance on the same buffer, as a worker thread would hold', () => {
    const collector = new IngestLoad();
    const stage = new IngestLoad({ buffer: collector.buffer });
    stage.batchApplied('unify', 100, 1_000);
    expect(collector.stageMsPerMessage()).toBeCloseTo(10, 6);
    expect(stage.busy()).toBe(false);
    collector.note(100);
    expect(stage.busy()).toBe(true);
  });
});

describe('restWhileBusy', () => {
  it('returns once busy turns false, at the deadline at the latest, or at once when stopping', async () => {
    let busy = true;
    setTimeout(() => (busy = false), 60);
    let started = performance.now();
    await restWhileBusy({ busy: () => busy }, performance.now() + 5_000, () => false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(performance.now() - started).toBeLessThan(1_000);

    started = performance.now();
    await restWhileBusy({ busy: () => true }, performance.now() + 80, () => false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    expect(performance.now() - started).toBeLessThan(1_000);

    started = performance.now();
    await restWhileBusy({ busy: () => true }, performance.now() + 5_000, () => true);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
