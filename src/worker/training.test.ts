/** The worker's event throttle: progress events thinned to one per interval, others never dropped, order kept. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttleEvents } from './training';

type E = { type: 'batch' | 'log' | 'epoch'; n: number };

describe('throttleEvents', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('passes the first progress event, keeps only the latest within 100 ms, flushes it before any other event', () => {
    const sent: string[] = [];
    const t = throttleEvents<E>((e) => sent.push(`${e.type}${e.n}`), 100, (e) => e.type === 'batch');
    t.push({ type: 'batch', n: 1 }); // t=0: sent at once
    vi.setSystemTime(10);
    t.push({ type: 'batch', n: 2 }); // held
    vi.setSystemTime(20);
    t.push({ type: 'batch', n: 3 }); // replaces 2
    vi.setSystemTime(30);
    t.push({ type: 'log', n: 1 }); // flushes batch3 first
    expect(sent).toEqual(['batch1', 'batch3', 'log1']);
    // batch3 went out at t=30: the next one waits until t=130 (timer), unless another event comes.
    vi.setSystemTime(40);
    t.push({ type: 'batch', n: 4 });
    expect(sent).toEqual(['batch1', 'batch3', 'log1']);
    vi.advanceTimersByTime(89);
    expect(sent).toEqual(['batch1', 'batch3', 'log1']);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['batch1', 'batch3', 'log1', 'batch4']);
    // Non-progress events are never thinned.
    for (let i = 0; i < 5; i++) t.push({ type: 'epoch', n: i });
    expect(sent.filter((s) => s.startsWith('epoch'))).toEqual(['epoch0', 'epoch1', 'epoch2', 'epoch3', 'epoch4']);
  });

  it('flush() sends a held progress event once', () => {
    const sent: number[] = [];
    const t = throttleEvents<E>((e) => sent.push(e.n), 100, () => true);
    t.push({ type: 'batch', n: 1 });
    t.push({ type: 'batch', n: 2 });
    t.flush();
    t.flush();
    vi.advanceTimersByTime(200);
    expect(sent).toEqual([1, 2]);
  });
});
