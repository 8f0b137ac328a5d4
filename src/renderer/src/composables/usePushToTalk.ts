// Push-to-talk: hold the chat's microphone button, or the V key anywhere but in a text field, and
// speak; letting go sends the recording to the speech engine. The microphone is opened on press and
// closed on release: permission is asked on first use, and nothing is captured otherwise.
import { onScopeDispose, ref } from 'vue';
import { startRecording, type Recording, SPEECH_SAMPLE_RATE, toSpeechPcm } from '../audio';
import { describeError } from '../errors';
import { isEditable } from './useShortcuts';
import { useInterventionStore } from '../stores/intervention';

export const PUSH_TO_TALK_KEY = 'v';
/** Shorter presses are taken for a slip of the finger, not a command. */
const MIN_SECONDS = 0.3;

export type TalkState = 'idle' | 'opening' | 'recording' | 'transcribing';

export function usePushToTalk() {
  const chat = useInterventionStore();
  const state = ref<TalkState>('idle');
  const seconds = ref(0);
  let recording: Recording | null = null;
  /** Set when the press ended while the microphone was still opening. */
  let releasedEarly = false;
  let startedAt = 0;
  let ticker = 0;

  async function press() {
    if (state.value !== 'idle' || chat.busy) return;
    if (chat.speech && !chat.speech.available) {
      chat.reportError(chat.speech.line);
      return;
    }
    state.value = 'opening';
    releasedEarly = false;
    try {
      recording = await startRecording();
    } catch (error) {
      state.value = 'idle';
      const denied = error instanceof DOMException && error.name === 'NotAllowedError';
      chat.reportError(
        denied
          ? 'The microphone was not allowed; allow it in the browser to talk.'
          : `Microphone: ${describeError(error)}`,
      );
      return;
    }
    state.value = 'recording';
    startedAt = performance.now();
    seconds.value = 0;
    ticker = window.setInterval(() => (seconds.value = (performance.now() - startedAt) / 1000), 100);
    if (releasedEarly) await release();
  }

  async function release() {
    if (state.value === 'opening') {
      releasedEarly = true;
      return;
    }
    if (state.value !== 'recording' || !recording) return;
    const r = recording;
    recording = null;
    window.clearInterval(ticker);
    state.value = 'transcribing';
    try {
      const channels = await r.stop();
      const pcm = toSpeechPcm(channels, r.sampleRate);
      if (pcm.length < MIN_SECONDS * SPEECH_SAMPLE_RATE) {
        chat.reportError('Hold the button (or V) while you speak, and let go when done.');
        return;
      }
      await chat.transcribe(pcm);
    } catch (error) {
      chat.reportError(`Microphone: ${describeError(error)}`);
    } finally {
      state.value = 'idle';
    }
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key.toLowerCase() !== PUSH_TO_TALK_KEY || event.repeat) return;
    if (event.ctrlKey || event.metaKey || event.altKey || isEditable(event.target)) return;
    event.preventDefault();
    void press();
  }
  function onKeyUp(event: KeyboardEvent) {
    if (event.key.toLowerCase() === PUSH_TO_TALK_KEY) void release();
  }
  // Letting go outside the window (alt-tab while holding) must still end the recording.
  const onBlur = () => void release();

  window.addEventListener('keydown', onKeyDown);
  window.addEventListener('keyup', onKeyUp);
  window.addEventListener('blur', onBlur);
  onScopeDispose(() => {
    window.removeEventListener('keydown', onKeyDown);
    window.removeEventListener('keyup', onKeyUp);
    window.removeEventListener('blur', onBlur);
    window.clearInterval(ticker);
    if (recording) void recording.stop();
  });

  return { state, seconds, press, release };
}
