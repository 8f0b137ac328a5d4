import { describe, expect, it } from 'vitest';
import {
  SPEECH_SAMPLE_RATE,
  WavError,
  parseWav,
  pcmToWav,
  wavToSpeechPcm,
} from '../../../src/main/services/speech/index';

/** A WAV of any PCM layout, written by hand so the tests do not depend on the writer under test. */
function wavBytes(opts: {
  rate: number;
  channels: number;
  bits?: number;
  tag?: number;
  frames: Int16Array[];
}): Uint8Array {
  const bits = opts.bits ?? 16;
  const frames = opts.frames[0].length;
  const dataBytes = (frames * opts.channels * bits) / 8;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string) => [...s].forEach((c, n) => (bytes[at + n] = c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, opts.tag ?? 1, true);
  view.setUint16(22, opts.channels, true);
  view.setUint32(24, opts.rate, true);
  view.setUint32(28, (opts.rate * opts.channels * bits) / 8, true);
  view.setUint16(32, (opts.channels * bits) / 8, true);
  view.setUint16(34, bits, true);
  text(36, 'data');
  view.setUint32(40, dataBytes, true);
  if (bits === 16) {
    for (let f = 0; f < frames; f++) {
      for (let c = 0; c < opts.channels; c++)
        view.setInt16(44 + 2 * (f * opts.channels + c), opts.frames[c][f], true);
    }
  }
  return bytes;
}

const tone = (hz: number, rate: number, seconds: number, amplitude = 10000) =>
  Int16Array.from({ length: Math.round(rate * seconds) }, (_, n) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * hz * n) / rate)),
  );

const rms = (x: Int16Array, skip = 200) => {
  let sum = 0;
  for (let n = skip; n < x.length - skip; n++) sum += x[n] * x[n];
  return Math.sqrt(sum / (x.length - 2 * skip));
};

/** Estimated frequency from zero crossings. */
const frequency = (x: Int16Array, rate: number) => {
  let crossings = 0;
  for (let n = 1; n < x.length; n++) if (x[n - 1] < 0 !== x[n] < 0) crossings++;
  return (crossings / 2) * (rate / x.length);
};

describe('WAV parsing', () => {
  it('reads 16 kHz mono 16-bit PCM as it is, and pcmToWav round-trips', () => {
    const pcm = tone(440, SPEECH_SAMPLE_RATE, 0.5);
    const bytes = pcmToWav(pcm);
    expect(bytes.length).toBe(44 + pcm.length * 2);
    const wav = parseWav(bytes);
    expect(wav).toMatchObject({ sampleRate: 16000, channels: 1 });
    expect(wav.samples).toEqual(pcm);
    expect(wavToSpeechPcm(bytes)).toEqual(pcm);
  });

  it('downmixes stereo and resamples 44.1 kHz to 16 kHz, keeping pitch and level', () => {
    const left = tone(1000, 44100, 1);
    const right = tone(1000, 44100, 1);
    const pcm = wavToSpeechPcm(wavBytes({ rate: 44100, channels: 2, frames: [left, right] }), 'stereo.wav');
    expect(pcm.length).toBe(16000);
    expect(frequency(pcm, 16000)).toBeCloseTo(1000, -1);
    expect(rms(pcm) / rms(left)).toBeGreaterThan(0.95);
    expect(rms(pcm) / rms(left)).toBeLessThan(1.05);
  });

  it('filters what 16 kHz cannot hold instead of folding it back as noise', () => {
    // 10 kHz is above the new Nyquist frequency (8 kHz); unfiltered it would alias to 6 kHz.
    const high = tone(10000, 44100, 0.5);
    const pcm = wavToSpeechPcm(wavBytes({ rate: 44100, channels: 1, frames: [high] }));
    expect(rms(pcm) / rms(high)).toBeLessThan(0.05);
  });

  it('reads a 48 kHz recording with a LIST chunk before the data', () => {
    const pcm = tone(300, 48000, 0.25);
    const plain = wavBytes({ rate: 48000, channels: 1, frames: [pcm] });
    const list = new Uint8Array(
      [...'LIST'].map((c) => c.charCodeAt(0)).concat([4, 0, 0, 0, 0x49, 0x4e, 0x46, 0x4f]),
    );
    const bytes = new Uint8Array(plain.length + list.length);
    bytes.set(plain.subarray(0, 36));
    bytes.set(list, 36);
    bytes.set(plain.subarray(36), 36 + list.length);
    expect(wavToSpeechPcm(bytes).length).toBe(4000);
  });

  it('refuses other encodings, naming the file and the format', () => {
    const float = wavBytes({ rate: 16000, channels: 1, bits: 32, tag: 3, frames: [new Int16Array(10)] });
    expect(() => parseWav(float, 'take1.wav')).toThrow(WavError);
    expect(() => parseWav(float, 'take1.wav')).toThrow(/take1\.wav is IEEE float 32-bit.*16-bit PCM/);
    const eight = wavBytes({ rate: 8000, channels: 1, bits: 8, frames: [new Int16Array(10)] });
    expect(() => parseWav(eight, 'old.wav')).toThrow(/old\.wav is PCM 8-bit/);
  });

  it('refuses a truncated file and one that is not WAV, naming the file', () => {
    const bytes = pcmToWav(tone(440, 16000, 0.1));
    expect(() => parseWav(bytes.subarray(0, 1000), 'cut.wav')).toThrow(
      /cut\.wav is truncated: .*3200 bytes.*956/,
    );
    expect(() => parseWav(bytes.subarray(0, 30), 'cut.wav')).toThrow(/cut\.wav is truncated/);
    expect(() => parseWav(new TextEncoder().encode('ID3\u0004 mp3 data here'), 'note.mp3')).toThrow(
      /note\.mp3 is not a WAV file/,
    );
  });
});
