import { describe, expect, it } from 'vitest';
import { speechLevel, withLeadIn, withNoiseFloor } from '../../../src/main/services/speech/noiseFloor';

const RATE = 16_000;

/** One second of silence, one second of a 200 Hz tone of the given amplitude, one of silence. */
function toneBetweenPauses(amplitude: number): Int16Array {
  const pcm = new Int16Array(3 * RATE);
  for (let n = RATE; n < 2 * RATE; n++)
    pcm[n] = Math.round(amplitude * Math.sin((2 * Math.PI * 200 * n) / RATE));
  return pcm;
}

const rms = (pcm: Int16Array, from = 0, to = pcm.length) => {
  let sum = 0;
  for (let n = from; n < to; n++) sum += pcm[n] * pcm[n];
  return Math.sqrt(sum / (to - from));
};

describe('noise floor under a recording', () => {
  it('fills digital silence with noise 30 dB under the speech, whatever the microphone gain', () => {
    for (const amplitude of [1000, 10000]) {
      const pcm = toneBetweenPauses(amplitude);
      const floored = withNoiseFloor(pcm);
      const pauseLevel = rms(floored, 0, RATE);
      const db = 20 * Math.log10(speechLevel(pcm) / pauseLevel);
      expect(db).toBeGreaterThan(28);
      expect(db).toBeLessThan(32);
    }
  });

  it('leaves the speech itself as it was, within the floor', () => {
    const pcm = toneBetweenPauses(10000);
    const floored = withNoiseFloor(pcm);
    expect(Math.abs(rms(floored, RATE, 2 * RATE) - rms(pcm, RATE, 2 * RATE))).toBeLessThan(0.01 * rms(pcm));
  });

  it('gives the same samples for the same audio (the same transcript every time)', () => {
    const pcm = toneBetweenPauses(5000);
    expect(withNoiseFloor(pcm)).toEqual(withNoiseFloor(pcm));
  });

  it('returns a silent recording unchanged: there is no speech level to set a floor by', () => {
    const silent = new Int16Array(RATE);
    expect(withNoiseFloor(silent)).toBe(silent);
  });

  it('never wraps a loud sample around', () => {
    const pcm = new Int16Array(RATE).fill(32767);
    expect(Math.min(...withNoiseFloor(pcm))).toBeGreaterThan(20000);
  });

  it('puts a pause before a recording that starts right at its first word, keeping every sample', () => {
    const tone = toneBetweenPauses(1000).subarray(RATE);
    const led = withLeadIn(tone, 0.2, RATE);
    expect(led.length).toBe(tone.length + 0.2 * RATE);
    expect(rms(led, 0, 0.2 * RATE)).toBe(0);
    expect([...led.subarray(0.2 * RATE)]).toEqual([...tone]);
    // The floor then fills that pause with room noise, as it does every other pause.
    expect(rms(withNoiseFloor(led), 0, 0.2 * RATE)).toBeGreaterThan(0);
  });
});
