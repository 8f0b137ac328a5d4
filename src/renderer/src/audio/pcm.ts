// Microphone samples → what the speech engines take (16 kHz mono 16-bit PCM, 'speech.transcribe').
// A sound card runs at 44.1 or 48 kHz, often in stereo: channels are averaged, then resampled with
// a windowed-sinc low-pass so that energy above 8 kHz (fricatives, fan noise) does not fold back
// into the speech band, as plain linear interpolation would let it. Pure: samples in, samples out.

export const SPEECH_SAMPLE_RATE = 16_000;

/** The mean of the channels, frame by frame (channels of unequal length are cut to the shortest). */
export function downmix(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.length === 1) return channels[0].slice();
  const frames = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(frames);
  for (const c of channels) for (let n = 0; n < frames; n++) out[n] += c[n];
  for (let n = 0; n < frames; n++) out[n] /= channels.length;
  return out;
}

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

/**
 * Band-limited resampling: each output sample is a Hann-windowed sinc sum of its input
 * neighbourhood, with the cut-off just below the lower of the two Nyquist frequencies. The weights
 * are normalised so a constant stays constant, also at the ends of the recording.
 */
export function resample(
  input: Float32Array,
  fromRate: number,
  toRate: number,
  zeroCrossings = 16,
): Float32Array {
  if (!(fromRate > 0 && toRate > 0)) throw new RangeError(`bad sample rates ${fromRate} → ${toRate}`);
  if (fromRate === toRate) return input.slice();
  const ratio = fromRate / toRate;
  const out = new Float32Array(Math.round(input.length / ratio));
  // Cut-off as a fraction of the input's Nyquist frequency; 0.95 leaves room for the window's roll-off.
  const cutoff = Math.min(1, toRate / fromRate) * 0.95;
  const half = zeroCrossings / cutoff;
  for (let m = 0; m < out.length; m++) {
    const t = m * ratio;
    const first = Math.max(0, Math.ceil(t - half));
    const last = Math.min(input.length - 1, Math.floor(t + half));
    let acc = 0;
    let weights = 0;
    for (let k = first; k <= last; k++) {
      const x = t - k;
      const w = sinc(cutoff * x) * (0.5 + 0.5 * Math.cos((Math.PI * x) / half));
      acc += input[k] * w;
      weights += w;
    }
    out[m] = weights ? acc / weights : 0;
  }
  return out;
}

/** [-1, 1] floats → 16-bit integers, clipped (a shout must not wrap around), NaN as silence. */
export function encodeInt16(samples: Float32Array): Int16Array<ArrayBuffer> {
  const out = new Int16Array(samples.length);
  for (let n = 0; n < samples.length; n++) {
    const s = samples[n];
    if (Number.isNaN(s)) continue;
    const c = Math.max(-1, Math.min(1, s));
    out[n] = Math.round(c < 0 ? c * 32768 : c * 32767);
  }
  return out;
}

/** A recording at the sound card's rate and channel count → 16 kHz mono Int16 for the speech engine. */
export function toSpeechPcm(channels: readonly Float32Array[], sampleRate: number): Int16Array<ArrayBuffer> {
  return encodeInt16(resample(downmix(channels), sampleRate, SPEECH_SAMPLE_RATE));
}
