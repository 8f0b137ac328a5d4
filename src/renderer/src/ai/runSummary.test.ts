import { describe, expect, it } from 'vitest';
import { formatDuration, runSummary, timingDetails, totalMs } from './runSummary';

describe('run summary', () => {
  it('formats durations at the precision a reader compares runs by', () => {
    expect(formatDuration(849.6)).toBe('850 ms');
    expect(formatDuration(4275.5)).toBe('4.3 s');
    expect(formatDuration(65_200)).toBe('1 min 05 s');
    expect(formatDuration(Number.NaN)).toBe('–');
  });

  it('names the provider and the total time, summing the steps when no total is given', () => {
    const timingsMs = { loadMs: 108, encoderMs: 3593.1, decoderMs: 3793.3, totalMs: 4275.5, slices: 112 };
    expect(runSummary({ provider: 'cpu', timingsMs })).toBe('cpu · 4.3 s');
    expect(totalMs({ encoderMs: 1000, decoderMs: 500, slices: 3 })).toBe(1500);
    expect(runSummary({ provider: 'cuda', timingsMs: { encoderMs: 100, decoderMs: 20 } })).toBe(
      'cuda · 120 ms',
    );
  });

  it('lists the steps and counts for the details line', () => {
    expect(timingDetails({ encoderMs: 3593.1, totalMs: 4000, encodedSlices: 0 })).toBe(
      'encoder 3.6 s · encoded slices 0',
    );
  });
});
