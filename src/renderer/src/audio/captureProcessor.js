/* global registerProcessor, AudioWorkletProcessor */
// The push-to-talk recorder on the audio thread: it copies the microphone's samples out in batches
// (one message per ~40 ms rather than per 128-frame render quantum) and outputs nothing. Plain
// JavaScript because it is loaded as is by audioWorklet.addModule, outside the bundle.
const BATCH_FRAMES = 2048;

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.pending = [];
    this.frames = 0;
    // 'stop': send what is left, then say so, so the recorder knows it has every sample.
    this.port.onmessage = () => {
      this.flush();
      this.port.postMessage({ done: true });
    };
  }

  flush() {
    if (!this.pending.length) return;
    const channelCount = Math.min(...this.pending.map((c) => c.length));
    const channels = [];
    for (let ch = 0; ch < channelCount; ch++) {
      const out = new Float32Array(this.frames);
      let at = 0;
      for (const block of this.pending) {
        out.set(block[ch], at);
        at += block[ch].length;
      }
      channels.push(out);
    }
    this.pending = [];
    this.frames = 0;
    this.port.postMessage(
      { channels },
      channels.map((c) => c.buffer),
    );
  }

  process(inputs) {
    const input = inputs[0];
    if (input && input.length) {
      this.pending.push(input.map((c) => c.slice()));
      this.frames += input[0].length;
      if (this.frames >= BATCH_FRAMES) this.flush();
    }
    return true;
  }
}

registerProcessor('pcm-capture', CaptureProcessor);
