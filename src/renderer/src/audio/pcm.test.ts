import { describe, expect, it } from 'vitest';
import { downmix, encodeInt16, resample, SPEECH_SAMPLE_RATE, toSpeechPcm } from './pcm';

const tone = (hz: number, rate: number, seconds: number, amplitude = 0.5) =>
  Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, n) => amplitude * Math.sin((2 * Math.PI * hz * n) / rate),
  );

/** RMS away from the ends, where the filter has fewer neighbours. */
const rms = (x: Float32Array) => {
  const mid = x.subarray(Math.floor(x.length * 0.1), Math.floor(x.length * 0.9));
  return Math.sqrt(mid.reduce((a, v) => a + v * v, 0) / mid.length);
};

/** Correlation of the middle of `x` with the ideal tone at the output rate. */
const correlation = (x: Float32Array, ideal: Float32Array) => {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let n = Math.floor(x.length * 0.1); n < x.length * 0.9; n++) {
    xy += x[n] * ideal[n];
    xx += x[n] * x[n];
    yy += ideal[n] * ideal[n];
  }
  return xy / Math.sqrt(xx * yy);
};

describe('speech PCM', () => {
  it('resamples 48 kHz speech-band audio to 16 kHz keeping pitch and level', () => {
    const out = resample(tone(1000, 48_000, 0.5), 48_000, SPEECH_SAMPLE_RATE);
    expect(out.length).toBe(8000);
    expect(rms(out)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(correlation(out, tone(1000, 16_000, 0.5))).toBeGreaterThan(0.999);
  });

  it('filters out what lies above 8 kHz instead of folding it into the speech band', () => {
    // 12 kHz would alias to 4 kHz at half strength or more with linear interpolation.
    const out = resample(tone(12_000, 48_000, 0.5), 48_000, SPEECH_SAMPLE_RATE);
    expect(rms(out)).toBeLessThan(0.01);
  });

  it('handles 44.1 kHz and upsampling, and keeps a constant constant up to the ends', () => {
    const from441 = resample(tone(440, 44_100, 1), 44_100, SPEECH_SAMPLE_RATE);
    expect(from441.length).toBe(16_000);
    expect(correlation(from441, tone(440, 16_000, 1))).toBeGreaterThan(0.999);
    const up = resample(tone(500, 8000, 0.25), 8000, SPEECH_SAMPLE_RATE);
    expect(up.length).toBe(4000);
    expect(correlation(up, tone(500, 16_000, 0.25))).toBeGreaterThan(0.999);
    const dc = resample(new Float32Array(4800).fill(0.25), 48_000, 16_000);
    for (const v of [dc[0], dc[800], dc[dc.length - 1]]) expect(v).toBeCloseTo(0.25, 5);
  });

  it('downmixes by averaging channels', () => {
    const left = Float32Array.from([1, 0.5, -1, 0.2]);
    const right = Float32Array.from([0, 0.5, 1]);
    expect([...downmix([left, right])]).toEqual([0.5, 0.5, 0]);
    expect(downmix([left])).not.toBe(left);
    expect(downmix([]).length).toBe(0);
  });

  it('encodes to 16 bits with clipping, rounding and NaN as silence', () => {
    const out = encodeInt16(Float32Array.from([0, 1, -1, 2, -3, 0.5, -0.5, NaN]));
    expect([...out]).toEqual([0, 32767, -32768, 32767, -32768, 16384, -16384, 0]);
  });

  it('turns a stereo 48 kHz recording into 16 kHz mono Int16', () => {
    const a = tone(300, 48_000, 0.1, 0.4);
    const pcm = toSpeechPcm([a, a], 48_000);
    expect(pcm).toBeInstanceOf(Int16Array);
    expect(pcm.length).toBe(1600);
    const peak = Math.max(...pcm.subarray(200, 1400).map(Math.abs));
    expect(peak).toBeGreaterThan(0.39 * 32767);
    expect(peak).toBeLessThan(0.41 * 32767);
  });
});
