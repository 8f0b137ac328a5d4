// Push-to-talk recording: the microphone is opened when the user presses to talk and closed when
// they let go, so permission is asked on first use only and nothing is captured in between. The
// samples come off the audio thread through an AudioWorklet (a ScriptProcessor where worklets are
// unavailable) at the sound card's rate; pcm.ts turns them into what the speech engine takes.
// no-inline: a data: URL would be refused by the page's script-src 'self'.
import processorUrl from './captureProcessor.js?url&no-inline';

export interface Recording {
  /** The sound card's rate: the samples' rate. */
  readonly sampleRate: number;
  /** Stops capturing, releases the microphone and returns the samples per channel. */
  stop(): Promise<Float32Array[]>;
}

function concat(chunks: Float32Array[][]): Float32Array[] {
  if (!chunks.length) return [];
  const channelCount = Math.min(...chunks.map((c) => c.length));
  return Array.from({ length: channelCount }, (_, ch) => {
    const out = new Float32Array(chunks.reduce((n, c) => n + c[ch].length, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c[ch], at);
      at += c[ch].length;
    }
    return out;
  });
}

interface Tap {
  node: AudioNode;
  /** Resolves once every sample captured so far has been delivered. */
  drain(): Promise<void>;
}

async function workletTap(
  context: AudioContext,
  channelCount: number,
  chunks: Float32Array[][],
): Promise<Tap> {
  await context.audioWorklet.addModule(processorUrl);
  const node = new AudioWorkletNode(context, 'pcm-capture', {
    numberOfOutputs: 1,
    channelCount,
    channelCountMode: 'explicit',
  });
  let drained: (() => void) | null = null;
  node.port.onmessage = (event: MessageEvent<{ channels?: Float32Array[]; done?: boolean }>) => {
    if (event.data.channels?.length) chunks.push(event.data.channels);
    if (event.data.done) drained?.();
  };
  return {
    node,
    drain: () =>
      new Promise<void>((resolve) => {
        drained = resolve;
        node.port.postMessage('stop');
        // A closed or stalled audio thread must not hang the UI: keep what arrived.
        setTimeout(resolve, 500);
      }),
  };
}

function scriptProcessorTap(context: AudioContext, channelCount: number, chunks: Float32Array[][]): Tap {
  const node = context.createScriptProcessor(4096, channelCount, 1);
  node.onaudioprocess = (event) => {
    const b = event.inputBuffer;
    chunks.push(Array.from({ length: b.numberOfChannels }, (_, ch) => b.getChannelData(ch).slice()));
  };
  return { node, drain: () => Promise.resolve() };
}

export async function startRecording(): Promise<Recording> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('This browser gives no access to a microphone (a secure context is needed).');
  }
  // Raw audio: echo cancellation, noise suppression and gain control reshape speech in ways the
  // recogniser was not trained on, and there is no playback to cancel.
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const context = new AudioContext();
  const chunks: Float32Array[][] = [];
  const release = () => {
    for (const track of stream.getTracks()) track.stop();
    void context.close().catch(() => undefined);
  };
  try {
    const source = context.createMediaStreamSource(stream);
    const channelCount = Math.max(1, Math.min(2, source.channelCount));
    const tap = await workletTap(context, channelCount, chunks).catch(() =>
      scriptProcessorTap(context, channelCount, chunks),
    );
    // Nodes are only processed when they lead to the destination; a muted gain keeps it silent.
    const mute = context.createGain();
    mute.gain.value = 0;
    source.connect(tap.node);
    tap.node.connect(mute).connect(context.destination);
    if (context.state === 'suspended') await context.resume();
    return {
      sampleRate: context.sampleRate,
      async stop() {
        try {
          await tap.drain();
          source.disconnect();
          tap.node.disconnect();
        } finally {
          release();
        }
        return concat(chunks);
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
