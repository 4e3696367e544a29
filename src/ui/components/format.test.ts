import { describe, expect, it } from 'vitest';
import { estimateEta, formatBytes, formatDuration, percent } from './format';

describe('formatDuration', () => {
  it('writes seconds, minutes, hours and days', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(44.6)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3600 + 2 * 60 + 10)).toBe('1 h 02 min');
    expect(formatDuration(2 * 86400 + 3 * 3600)).toBe('2 d 3 h');
  });
  it('shows a dash for unknown times', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(Infinity)).toBe('—');
  });
});

describe('estimateEta', () => {
  it('extrapolates the average rate: 10 of 50 in 20 s leaves 80 s', () => {
    expect(estimateEta(10, 50, 20)).toBeCloseTo(80, 10);
  });
  it('is unknown before any progress and zero when done', () => {
    expect(estimateEta(0, 50, 20)).toBeNull();
    expect(estimateEta(3, 50, 0)).toBeNull();
    expect(estimateEta(50, 50, 20)).toBe(0);
    expect(estimateEta(60, 50, 20)).toBe(0);
    expect(estimateEta(1, 0, 20)).toBeNull();
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(12.34 * 1024 * 1024)).toBe('12.3 MiB');
    expect(formatBytes(2 * 1024 ** 3)).toBe('2.00 GiB');
    expect(formatBytes(300 * 1024 ** 2)).toBe('300 MiB');
    expect(formatBytes(undefined)).toBe('—');
  });
});

describe('percent', () => {
  it('floors and clamps', () => {
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 4)).toBe(100);
    expect(percent(-1, 4)).toBe(0);
    expect(percent(1, 0)).toBe(0);
  });
});

describe('formatMm', () => {
  it('keeps MRI sizes short and microscopy sizes visible', async () => {
    const { formatMm } = await import('./format');
    expect(formatMm(0.9999998807907104)).toBe('1');
    expect(formatMm(4.97777)).toBe('4.978');
    expect(formatMm(0.8)).toBe('0.8');
    expect(formatMm(0.000093)).toBe('0.000093');
    expect(formatMm(0.0001)).toBe('0.0001');
    expect(formatMm(Number.NaN)).toBe('?');
  });
});
