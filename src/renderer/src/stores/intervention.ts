// The correction chat (Test-Time Causal Intervention): what the user typed or said, how it was
// interpreted (an intervention with Apply, a clarifying question with options, or a refusal), and
// what applying it did. An applied intervention is a version on the segmentation store's one undo
// history; undoing or redoing it is reported to the main side's audit log. Voice input lands here
// as a transcript in the input box, or as a question when the recogniser was not sure. The
// conversation belongs to the volume on screen.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { InterpreterInfo, SpeechEngineInfo, TranscribeResult } from '../../../shared/api';
import type { Intervention, InterpreterKind } from '../../../shared/intervention';
import { api } from '../bridge';
import { describeError } from '../errors';
import {
  applyReport,
  type ApplyReport,
  speechAvailability,
  type Badge,
  interpreterBadge,
} from '../intervention';
import { buildViewContext } from '../../../shared/viewContext';
import { useSegmentationStore } from './segmentation';
import { useStudiesStore } from './studies';
import { useViewStore } from './view';

export type Via = 'typed' | 'voice' | 'option';

/** A message as pushed; the store gives it an id. */
export type MessageBody =
  | { role: 'user'; text: string; via: Via }
  | {
      role: 'app';
      kind: 'intervention';
      command: string;
      intervention: Intervention;
      summary: string;
      interpreter: InterpreterKind;
      badge: Badge;
      state: 'proposed' | 'applying' | 'applied' | 'unchanged' | 'failed';
      /** The version this intervention made on the undo history, once applied. */
      versionId?: number;
      report?: ApplyReport;
      error?: string;
    }
  | { role: 'app'; kind: 'clarify'; question: string; options: string[]; badge: Badge }
  | { role: 'app'; kind: 'refuse'; reason: string; badge: Badge }
  | {
      role: 'app';
      kind: 'heard';
      text: string;
      command: string;
      engine: string;
      seconds: number;
      elapsedMs: number;
    }
  | { role: 'app'; kind: 'error'; text: string };
export type ChatMessage = MessageBody & { id: number };

export type InterventionMessage = Extract<ChatMessage, { kind: 'intervention' }>;

const AUTO_APPLY_KEY = 'causal-sam.voice.autoApply';

function loadAutoApply(): boolean {
  try {
    return localStorage.getItem(AUTO_APPLY_KEY) === 'true';
  } catch {
    return false;
  }
}

export const useInterventionStore = defineStore('intervention', () => {
  const studies = useStudiesStore();
  const segmentation = useSegmentationStore();
  const view = useViewStore();

  const messages = ref<ChatMessage[]>([]);
  /** The input box: typed, or filled by push-to-talk for a glance before sending. */
  const draft = ref('');
  const busy = ref(false);
  const status = ref<InterpreterInfo | null>(null);
  const statusError = ref<string | null>(null);
  const engines = ref<SpeechEngineInfo[] | null>(null);
  const enginesError = ref<string | null>(null);
  /** Voice: an 'intervention' answer to a spoken command is applied without a click. */
  const autoApply = ref(loadAutoApply());
  let nextId = 1;

  watch(autoApply, (on) => {
    try {
      localStorage.setItem(AUTO_APPLY_KEY, String(on));
    } catch {
      // Storage may be disabled; the setting then lasts for this session only.
    }
  });

  const speech = computed(() => (engines.value ? speechAvailability(engines.value) : null));
  const canInterpret = computed(
    () => !!studies.activeSeriesId && segmentation.segments.some((s) => s.voxels > 0),
  );

  // A new volume clears the segmentation and its history, so the conversation about it goes too.
  watch(
    () => studies.volume,
    () => {
      messages.value = [];
      draft.value = '';
    },
  );

  // Undo/redo of an applied intervention (toolbar, Ctrl+Z, the history list or the chat) goes to
  // the audit log, which only the main side writes.
  segmentation.onReplay((version, event) => {
    const seriesId = studies.activeSeriesId;
    if (version.kind !== 'intervention' || !seriesId) return;
    api['intervention.record']({ seriesId, event, summary: version.label }).catch((error: unknown) =>
      push({
        role: 'app',
        kind: 'error',
        text: `The audit log did not record the ${event}: ${describeError(error)}`,
      }),
    );
  });

  function push(message: MessageBody) {
    const m = { ...message, id: nextId++ } as ChatMessage;
    messages.value.push(m);
    // The reactive copy, so later changes (applying → applied) show.
    return messages.value[messages.value.length - 1];
  }

  async function refreshStatus() {
    try {
      status.value = await api['intervention.status']({});
      statusError.value = null;
    } catch (error) {
      statusError.value = describeError(error);
    }
  }

  async function refreshEngines() {
    try {
      engines.value = (await api['speech.engines']({})).engines;
      enginesError.value = null;
    } catch (error) {
      enginesError.value = describeError(error);
    }
  }

  function context() {
    const volume = studies.volume;
    if (!volume) return null;
    return buildViewContext({
      dims: volume.dims,
      axesLps: volume.axesLps,
      cursor: view.cursor,
      segments: segmentation.segments,
      selected: segmentation.selectedByUser ? (segmentation.selectedSegment?.name ?? null) : null,
    });
  }

  /** Interprets a command; an intervention waits for Apply unless `applyIfSure` (voice, setting on). */
  async function send(text: string, via: Via = 'typed', applyIfSure = false) {
    const command = text.trim();
    if (!command || busy.value) return;
    push({ role: 'user', text: command, via });
    if (via !== 'option') draft.value = '';
    const ctx = context();
    if (!ctx || !canInterpret.value) {
      push({ role: 'app', kind: 'error', text: 'Open a study and load or draw a segmentation first.' });
      return;
    }
    busy.value = true;
    let proposed: InterventionMessage | null = null;
    try {
      const answer = await api['intervention.interpret']({ command, context: ctx });
      const badge = interpreterBadge(answer);
      if (answer.kind === 'intervention') {
        proposed = push({
          role: 'app',
          kind: 'intervention',
          command,
          intervention: answer.intervention,
          summary: answer.summary,
          interpreter: answer.interpreter,
          badge,
          state: 'proposed',
        }) as InterventionMessage;
      } else if (answer.kind === 'clarify') {
        push({
          role: 'app',
          kind: 'clarify',
          question: answer.question,
          options: answer.options ?? [],
          badge,
        });
      } else {
        push({ role: 'app', kind: 'refuse', reason: answer.reason, badge });
      }
    } catch (error) {
      push({ role: 'app', kind: 'error', text: describeError(error) });
    } finally {
      busy.value = false;
      // The LLM may have finished loading (or failed) because of this command: keep the header true.
      void refreshStatus();
    }
    if (proposed && applyIfSure) await apply(proposed);
  }

  /** Applies an interpreted intervention: the main side computes the edit, the store makes it a version. */
  async function apply(message: InterventionMessage) {
    const seriesId = studies.activeSeriesId;
    const volume = studies.volume;
    if (!seriesId || !volume || busy.value || message.state === 'applying') return;
    // The version on screen (a stroke in progress finished, a comparison ended) is the one corrected.
    const seg = segmentation.current();
    if (!seg) return;
    const version = segmentation.changes;
    busy.value = true;
    message.state = 'applying';
    message.error = undefined;
    const countsBefore = new Map(segmentation.segments.map((s) => [s.value, s.voxels]));
    const started = performance.now();
    try {
      const { edit, ...outcome } = await api['intervention.apply']({
        seriesId,
        segmentation: seg,
        intervention: message.intervention,
        command: message.command,
        interpreter: message.interpreter,
        modality: volume.modality,
      });
      // The reader may have edited, undone, loaded or opened another study while the edit was
      // computed: it was computed from a version no longer on screen.
      if (studies.activeSeriesId !== seriesId || segmentation.changes !== version) {
        throw new Error('The segmentation on screen changed before the edit arrived; it was not applied.');
      }
      const roundTrip = performance.now() - started;
      if (edit) message.versionId = segmentation.applyEdit(edit, outcome.summary || message.summary);
      message.report = applyReport(outcome, countsBefore, seg.spacingMm, roundTrip);
      message.state = edit ? 'applied' : 'unchanged';
    } catch (error) {
      message.state = 'failed';
      message.error = describeError(error);
    } finally {
      busy.value = false;
    }
  }

  /** Where a message's version stands on the undo history: current, applied below others, undone, or gone. */
  function versionState(message: InterventionMessage): 'current' | 'applied' | 'undone' | 'gone' | null {
    if (message.versionId === undefined) return null;
    const row = segmentation.versions.find((r) => r.id === message.versionId);
    if (!row) return 'gone';
    return row.current ? 'current' : row.undone ? 'undone' : 'applied';
  }

  /** Undo or redo from the chat: only the step that is next on the one linear history. */
  function undoMessage(message: InterventionMessage) {
    if (versionState(message) === 'current') segmentation.undo();
  }
  function redoMessage(message: InterventionMessage) {
    const next = segmentation.versions.find((r) => r.undone);
    if (next && next.id === message.versionId) segmentation.redo();
  }

  /**
   * A push-to-talk recording → the transcript's command in the input box, and on if set to. The main
   * side re-ranks the recogniser's hypotheses in this view; when it is not sure (rival readings that
   * change another structure or do the opposite, or low confidence) the chat asks with the readings
   * as options instead of applying — even with "apply directly" on.
   */
  async function transcribe(pcm: Int16Array<ArrayBuffer>): Promise<TranscribeResult | null> {
    busy.value = true;
    let result: TranscribeResult | null = null;
    try {
      const ctx = context();
      const structures = ctx?.visibleStructures;
      result = await api['speech.transcribe']({
        pcm,
        ...(structures?.length ? { structures } : {}),
        ...(ctx ? { context: ctx } : {}),
      });
      push({
        role: 'app',
        kind: 'heard',
        text: result.text,
        command: result.command,
        engine: result.engine,
        seconds: result.audioSeconds,
        elapsedMs: result.elapsedMs,
      });
      draft.value = result.command;
    } catch (error) {
      push({ role: 'app', kind: 'error', text: `Speech: ${describeError(error)}` });
    } finally {
      busy.value = false;
    }
    if (result?.question) {
      const sure = Math.round(100 * (result.confidence ?? 0));
      push({
        role: 'app',
        kind: 'clarify',
        question: result.question,
        options: result.options ?? [result.command],
        badge: { text: 'voice', detail: `Speech recognition, ${sure} % sure of this reading` },
      });
    } else if (result?.command && autoApply.value) await send(result.command, 'voice', result.sure === true);
    return result;
  }

  function reportError(text: string) {
    push({ role: 'app', kind: 'error', text });
  }

  return {
    messages,
    draft,
    busy,
    status,
    statusError,
    engines,
    enginesError,
    speech,
    autoApply,
    canInterpret,
    refreshStatus,
    refreshEngines,
    send,
    apply,
    versionState,
    undoMessage,
    redoMessage,
    transcribe,
    reportError,
  };
});
