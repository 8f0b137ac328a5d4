// The chat's small words: who interpreted a command (built-in rules or the LLM, and why the LLM was
// passed over), which interpreter is active, and whether push-to-talk can work here and what to
// install if not. Pure, so the wording is tested once and every component says the same.
import type { InterpreterInfo, SpeechEngineInfo } from '../../../shared/api';
import type { Interpretation } from '../../../shared/intervention';

export interface Badge {
  text: string;
  /** Longer explanation (tooltip and screen readers). */
  detail: string;
}

export function interpreterBadge(
  i: Pick<Interpretation, 'interpreter' | 'elapsedMs' | 'fallbackReason'>,
): Badge {
  const took = `${Math.round(i.elapsedMs)} ms`;
  if (i.interpreter === 'llm') return { text: 'LLM', detail: `Interpreted by the local LLM in ${took}` };
  return i.fallbackReason
    ? {
        text: 'built-in (LLM passed over)',
        detail: `Built-in rules answered in ${took}; the LLM was not used: ${i.fallbackReason}`,
      }
    : { text: 'built-in', detail: `Interpreted by the built-in rules in ${took}` };
}

const llmStates: Record<InterpreterInfo['llm'], string> = {
  none: 'no LLM installed',
  unavailable: 'LLM unavailable',
  'not-loaded': 'LLM installed, loads on first use',
  loading: 'LLM loading',
  ready: 'LLM ready',
};

/** "Interpreter: built-in (no LLM installed)" for the panel's header. */
export function interpreterStatusLine(info: InterpreterInfo): string {
  const who = info.active === 'llm' ? `LLM${info.modelId ? ` ${info.modelId}` : ''}` : 'built-in rules';
  const state =
    info.active === 'llm' ? '' : ` (${llmStates[info.llm]}${info.reason ? `: ${info.reason}` : ''})`;
  return `Interpreter: ${who}${state}`;
}

export type SpeechAvailability =
  { available: true; engines: string[]; line: string } | { available: false; line: string; hints: string[] };

/** Whether push-to-talk can work, from 'speech.engines'; when not, what to install, engine by engine. */
export function speechAvailability(engines: readonly SpeechEngineInfo[]): SpeechAvailability {
  const ready = engines.filter((e) => e.available);
  if (ready.length) {
    return {
      available: true,
      engines: ready.map((e) => e.id),
      line: `Voice: ${ready.map((e) => e.id).join(', ')}`,
    };
  }
  return {
    available: false,
    line: engines.length
      ? 'Voice is off: no speech engine is installed on this machine.'
      : 'Voice is off: this build has no speech engine.',
    hints: engines.map((e) => `${e.id} (${e.description}): ${e.install ?? 'not available here'}`),
  };
}
