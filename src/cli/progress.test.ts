/** The terminal progress: in-place status line on a TTY, plain per-epoch lines elsewhere. */
import { describe, expect, it } from 'vitest';
import type { TrainEvent } from '../train/events';
import { bar, formatDuration, TrainProgress } from './progress';

function stream(tty: boolean) {
  const writes: string[] = [];
  return { writes, out: { write: (s: string) => writes.push(s), isTTY: tty, columns: 120 } };
}

const epochEvent = (epoch: number, epochs: number, eta: number): TrainEvent => ({
  type: 'epoch', epochs, etaSeconds: eta, epoch, lr: 0.01, train_loss: -0.5, train_dice_loss: -0.5, val_loss: -0.4, val_dice_loss: -0.4,
  metrics: { dice_score: 0.4 }, train_seconds: 1, val_seconds: 1, best: true, patience_count: 0,
});
const batchEvent = (batch: number, batches: number): TrainEvent => ({ type: 'batch', epoch: 1, batch, batches, loss: -0.25, lr: 0.01, etaSeconds: 65, itemsPerSecond: 12.34 });

describe('progress formatting', () => {
  it('formats durations and bars', () => {
    expect(formatDuration(5.4)).toBe('5s');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('--');
    expect(bar(3, 10, 10)).toBe('###.......');
    expect(bar(8, 8, 4)).toBe('####');
    expect(bar(0, 0, 3)).toBe('...');
  });
});

describe('TrainProgress', () => {
  it('on a TTY: redraws one status line in place (throttled), prints log lines above it', () => {
    const { writes, out } = stream(true);
    let t = 0;
    const p = new TrainProgress(out, { now: () => t, redrawMs: 100 });
    p.onEvent({ type: 'start', model: 'Unet', parameters: 10, epochs: 2, startEpoch: 1, batchesPerEpoch: 4, trainItems: 32, validItems: 8, backend: 'webgpu', adapter: 'x' });
    p.onEvent(batchEvent(1, 4));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^\r\x1b\[2KEpoch 1\/2 \[#{3,8}\.+\] 1\/4 loss -0\.2500 12\.3 img\/s ETA 1m05s$/);
    t = 50;
    p.onEvent(batchEvent(2, 4)); // within 100 ms: not drawn
    expect(writes).toHaveLength(1);
    p.onEvent(batchEvent(4, 4)); // last batch: always drawn
    expect(writes).toHaveLength(2);
    expect(writes[1]).toContain('4/4');
    p.line('Epoch 1/2: train loss ...');
    // clear, the line, then the status again
    expect(writes.slice(2)).toEqual(['\r\x1b[2K', 'Epoch 1/2: train loss ...\n', expect.stringContaining('\r\x1b[2KEpoch 1/2 [')]);
    p.onEvent({ type: 'done', reason: 'completed', epochs: 2, bestEpoch: 2, bestValLoss: -0.9, bestValDice: 0.9 });
    expect(writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('without a TTY: no control characters, one progress line per epoch, batches silent', () => {
    const { writes, out } = stream(false);
    const p = new TrainProgress(out);
    p.onEvent({ type: 'start', model: 'Unet', parameters: 10, epochs: 4, startEpoch: 1, batchesPerEpoch: 4, trainItems: 32, validItems: 8, backend: 'webgpu', adapter: 'x' });
    for (let b = 1; b <= 4; b++) p.onEvent(batchEvent(b, 4));
    p.onEvent({ type: 'validation', epoch: 1, batch: 1, batches: 1 });
    p.line('a log line');
    p.onEvent(epochEvent(1, 4, 95));
    expect(writes).toEqual(['a log line\n', 'progress: epoch 1/4 (25%), ETA 1m35s\n']);
  });
});
