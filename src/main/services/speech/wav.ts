// WAV in and out of the speech engines. Recognisers want 16 kHz mono 16-bit PCM; a file from a
// recorder may be stereo or 44.1/48 kHz, so 16-bit PCM of any rate and channel count is downmixed
// and resampled here, and anything else (compressed, float, 8/24-bit) is refused naming the file
// and its format rather than guessed at. Pure: bytes in, samples out.
import { ServiceError } from '../../../shared/serviceError';

export const SPEECH_SAMPLE_RATE = 16_000;

export class WavError extends ServiceError {
  constructor(message: string) {
    super('bad-input', message);
    this.name = 'WavError';
  }
}

export interface Wav {
  sampleRate: number;
  channels: number;
  /** Interleaved samples, channels × frames. */
  samples: Int16Array;
}

const FORMAT_NAMES: Record<number, string> = {
  1: 'PCM',
  2: 'Microsoft ADPCM',
  3: 'IEEE float',
  6: 'A-law',
  7: 'µ-law',
  0x11: 'IMA ADPCM',
  0x55: 'MP3',
  0xfffe: 'extensible',
};

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/** Reads a RIFF/WAVE file of 16-bit PCM; `name` is what error messages call it (the file path). */
export function parseWav(bytes: Uint8Array, name = 'the audio'): Wav {
  if (bytes.length < 12 || ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE') {
    throw new WavError(`${name} is not a WAV file (no RIFF/WAVE header)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format:
    { tag: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = ascii(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length)
        throw new WavError(`${name} is truncated inside its format chunk`);
      let tag = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE carries the real format in its sub-format GUID's first two bytes.
      if (tag === 0xfffe && size >= 40 && body + 26 <= bytes.length) tag = view.getUint16(body + 24, true);
      format = {
        tag,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new WavError(`${name} has audio data before its format chunk`);
      const described = `${FORMAT_NAMES[format.tag] ?? `format ${format.tag}`} ${format.bits}-bit, ${format.channels} channel(s), ${format.sampleRate} Hz`;
      if (format.tag !== 1 || format.bits !== 16) {
        throw new WavError(
          `${name} is ${described}; speech input must be 16-bit PCM WAV (e.g. \`sox in.wav -b 16 -e signed-integer out.wav\`)`,
        );
      }
      if (format.channels < 1 || format.sampleRate < 8000 || format.sampleRate > 192_000) {
        throw new WavError(`${name} has an unusable format: ${described}`);
      }
      // Recorders that stream write 0 or 0xFFFFFFFF and never come back to fix the size.
      const streamed = size === 0 || size === 0xffffffff;
      const available = bytes.length - body;
      if (!streamed && size > available) {
        throw new WavError(
          `${name} is truncated: its header announces ${size} bytes of audio, the file holds ${available}`,
        );
      }
      const length = streamed ? available : size;
      const frameBytes = 2 * format.channels;
      const count = Math.floor(length / frameBytes) * format.channels;
      const samples = new Int16Array(count);
      for (let n = 0; n < count; n++) samples[n] = view.getInt16(body + 2 * n, true);
      return { sampleRate: format.sampleRate, channels: format.channels, samples };
    }
    at = body + size + (size % 2); // chunks are word-aligned
  }
  throw new WavError(
    format ? `${name} is truncated: it has no audio data chunk` : `${name} has no format chunk`,
  );
}

/** Averages the channels of interleaved samples. */
export function downmix(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) return samples;
  const frames = Math.floor(samples.length / channels);
  const out = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[f * channels + c];
    out[f] = Math.round(sum / channels);
  }
  return out;
}

/**
 * Band-limited resampling (windowed sinc, Blackman window): going down from 44.1 kHz the sinc's
 * cutoff sits below the new Nyquist frequency, so sibilants do not fold back as noise, which a
 * plain linear interpolation would let through. Rates are whole numbers of hertz.
 */
export function resample(samples: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return samples;
  const ratio = to / from;
  // The pass band stays flat to near the new Nyquist frequency: the recogniser's filter bank
  // reaches 6.9 kHz, and fricatives ("stomach" against "skull") differ up there.
  const cutoff = Math.min(1, ratio) * 0.97;
  const halfWidth = Math.ceil(32 / cutoff);
  const taps = 2 * halfWidth;
  // Output sample n sits at input position n·from/to, whose fraction repeats every `phases`
  // samples (320 for 22.05 → 16 kHz): one normalised kernel per phase, computed once.
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  const phases = to / gcd(from, to);
  const kernel = new Float64Array(phases * taps);
  for (let p = 0; p < phases; p++) {
    const fraction = ((p * from) % to) / to;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const x = fraction + halfWidth - 1 - j; // distance from tap k = centre - halfWidth + 1 + j
      const arg = Math.PI * cutoff * x;
      const sinc = x === 0 ? 1 : Math.sin(arg) / arg;
      const phase = (x + halfWidth) / (2 * halfWidth);
      const window = 0.42 - 0.5 * Math.cos(2 * Math.PI * phase) + 0.08 * Math.cos(4 * Math.PI * phase);
      kernel[p * taps + j] = sinc * window;
      sum += sinc * window;
    }
    for (let j = 0; j < taps; j++) kernel[p * taps + j] /= sum;
  }
  const length = Math.floor((samples.length * to) / from);
  const out = new Int16Array(length);
  for (let n = 0; n < length; n++) {
    const centre = Math.floor((n * from) / to);
    const row = (n % phases) * taps;
    const first = centre - halfWidth + 1;
    let acc = 0;
    for (let j = 0; j < taps; j++) {
      const k = first + j;
      // Beyond the ends the signal is taken as silence.
      if (k >= 0 && k < samples.length) acc += samples[k] * kernel[row + j];
    }
    out[n] = Math.max(-32768, Math.min(32767, Math.round(acc)));
  }
  return out;
}

/** Any 16-bit PCM WAV → 16 kHz mono samples. */
export function wavToSpeechPcm(bytes: Uint8Array, name?: string): Int16Array {
  const wav = parseWav(bytes, name);
  return resample(downmix(wav.samples, wav.channels), wav.sampleRate, SPEECH_SAMPLE_RATE);
}

/** Raw PCM (what the renderer captures) → a WAV file: 16-bit, mono, 44-byte header. */
export function pcmToWav(pcm: Int16Array, sampleRate = SPEECH_SAMPLE_RATE): Uint8Array {
  const bytes = new Uint8Array(44 + pcm.length * 2);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string) => [...s].forEach((c, n) => (bytes[at + n] = c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + pcm.length * 2, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, pcm.length * 2, true);
  for (let n = 0; n < pcm.length; n++) view.setInt16(44 + 2 * n, pcm[n], true);
  return bytes;
}
