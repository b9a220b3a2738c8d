import { describe, expect, it } from 'vitest';
import {
  createRateMeter,
  formatAmount,
  formatBytes,
  formatEta,
  formatSpeed,
  formatTransfer,
  progressPercent,
} from './progress';

describe('progressPercent', () => {
  it('rounds down, clamps, and is null when the size is unknown', () => {
    expect(progressPercent(512, 1024)).toBe(50);
    expect(progressPercent(999, 1000)).toBe(99);
    expect(progressPercent(1000, 1000)).toBe(100);
    expect(progressPercent(1200, 1000)).toBe(100);
    expect(progressPercent(-5, 1000)).toBe(0);
    expect(progressPercent(10, 0)).toBeNull();
    expect(progressPercent(10, null)).toBeNull();
    expect(progressPercent(null, 100)).toBeNull();
  });
});

describe('formatBytes and formatAmount', () => {
  it('uses decimal units with sensible precision', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 KB');
    expect(formatBytes(812_000)).toBe('812 KB');
    expect(formatBytes(4_700_000)).toBe('4.7 MB');
    expect(formatBytes(48_200_000)).toBe('48.2 MB');
    expect(formatBytes(1_320_000_000)).toBe('1.32 GB');
    expect(formatAmount(312_000_000, 808_000_000)).toBe('312 MB of 808 MB');
    expect(formatAmount(312_000_000, null)).toBe('312 MB');
  });
});

describe('formatSpeed and formatEta', () => {
  it('gives the speed, or nothing while stalled', () => {
    expect(formatSpeed(12_400_000)).toBe('12.4 MB/s');
    expect(formatSpeed(0)).toBeNull();
    expect(formatSpeed(null)).toBeNull();
  });

  it('estimates the time left from what remains and the speed', () => {
    expect(formatEta(600_000_000, 1_000_000_000, 10_000_000)).toBe('40 s left');
    expect(formatEta(0, 1_000_000_000, 10_000_000)).toBe('2 min left');
    expect(formatEta(0, 8_000_000_000, 1_000_000)).toBe('2 h 13 min left');
    expect(formatEta(0, 7_200_000_000, 1_000_000)).toBe('2 h left');
    expect(formatEta(1000, 1000, 10)).toBe('almost done');
    expect(formatEta(0, null, 10)).toBeNull();
    expect(formatEta(0, 1000, 0)).toBeNull();
  });
});

describe('formatTransfer', () => {
  it('says amount, speed and time left while running, only the amount once stopped', () => {
    expect(formatTransfer(600_000_000, 1_000_000_000, 10_000_000, true)).toBe(
      '600 MB of 1.00 GB · 10.0 MB/s · 40 s left',
    );
    expect(formatTransfer(1_000_000_000, 1_000_000_000, 10_000_000, false)).toBe('1.00 GB of 1.00 GB');
    expect(formatTransfer(5_000, null, null, true)).toBe('5.0 KB');
  });
});

describe('createRateMeter', () => {
  it('smooths the speed and starts over on a new layer', () => {
    const meter = createRateMeter(0.5);
    expect(meter.sample(0, 0)).toBeNull();
    expect(meter.sample(1_000_000, 1000)).toBe(1_000_000);
    expect(meter.sample(4_000_000, 2000)).toBe(2_000_000);
    expect(meter.sample(100, 3000)).toBeNull();
  });
});
