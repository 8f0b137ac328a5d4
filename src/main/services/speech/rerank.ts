// Choosing what a spoken command meant, and whether it may be applied without asking. The
// recogniser's hypotheses are interpreted one by one; hypotheses that mean the same change (same
// action on the same structure) pool their confidence, and a meaning the interpreter understands
// outranks one it must question or refuse. The safety rule: a spoken command is applied directly
// only when its meaning holds most of the confidence and no other reading with some confidence
// changes a different structure or does the opposite — neither in the recogniser's own list nor in
// a second opinion (another search over the same audio: the closed grammar), which may only stop a
// reading from being applied, never choose one — and the words that decide the change were heard
// surely, not only the sentence (decidingWords.ts). Otherwise the chat asks, offering the readings as
// complete commands — even with "apply directly" on. A misheard word may cost a question, never
// the opposite of what was said. Pure: the interpreter comes in as a function.
import type { InterpretResult } from '../../../shared/intervention';
import { decidingWordConfidence, meaningOf } from './decidingWords';
import type { Hypothesis, WordPosterior } from './hypotheses';
import { spokenToCommand } from './normalise';

export interface SpokenReading {
  text: string;
  /** What the interpreter reads (numbers as digits, levels as "l1"). */
  command: string;
  confidence: number;
  result: InterpretResult;
}

export interface SpokenDecision {
  /** The chosen reading (the first hypothesis when none was understood). */
  text: string;
  command: string;
  /** Confidence pooled over the hypotheses that mean what the chosen one means. */
  confidence: number;
  /** True only when the chosen reading is an intervention that may be applied without asking. */
  sure: boolean;
  /** When not sure: what to ask, and the readings to choose from (complete commands). */
  question?: string;
  options?: string[];
  readings: SpokenReading[];
}

export interface SafetyThresholds {
  /** The chosen meaning's pooled confidence must reach this to apply without asking. */
  minConfidence: number;
  /** A different action or structure with this much confidence makes the chat ask. */
  maxRival: number;
  /** Each word that decides the change (action, structure) must have this lattice posterior. */
  minDecidingWord: number;
}

/** What the recogniser heard besides its N-best list. */
export interface SpokenEvidence {
  /** Another search's N-best over the same audio: it may veto applying, never choose. */
  secondOpinion?: readonly Hypothesis[];
  /** The decoder's one-best words with their lattice posteriors. */
  words?: readonly WordPosterior[];
}

/**
 * Chosen on our own tuning commands (bench/voice/tuning-commands.txt, 320 decodes replayed by
 * `npm run bench -- voiceSafety`), never on the held-out ones. Without the word check, 0.9 of the
 * sentence still applied 1.6 % wrongly (the whole N-best agreeing on "bigger" for "thinner"); each
 * deciding word at 0.5 brought that to 0 % (0.4–0.6 alike: 0.5 is the middle), and with it the
 * sentence threshold matters less, so 0.7: applied directly and right 44 % (61 % unchecked).
 */
export const DEFAULT_SAFETY: SafetyThresholds = { minConfidence: 0.7, maxRival: 0.1, minDecidingWord: 0.5 };

/** How much an understood reading is preferred over a question or a refusal of the same confidence. */
const KIND_WEIGHT: Record<InterpretResult['kind'], number> = { intervention: 1, clarify: 0.4, refuse: 0.1 };

/** Hypotheses with less confidence than this are not shown as options. */
const MIN_OPTION_CONFIDENCE = 0.02;

export function decideSpoken(
  hypotheses: readonly Hypothesis[],
  interpret: (command: string) => InterpretResult,
  { secondOpinion = [], words = [] }: SpokenEvidence = {},
  thresholds: SafetyThresholds = DEFAULT_SAFETY,
): SpokenDecision {
  const readings: SpokenReading[] = hypotheses
    .filter((h) => h.text.trim())
    .map((h) => {
      const command = spokenToCommand(h.text);
      return { text: h.text, command, confidence: h.confidence, result: interpret(command) };
    });
  if (readings.length === 0) {
    return { text: '', command: '', confidence: 0, sure: false, readings };
  }
  const pooled = new Map<string, number>();
  for (const r of readings)
    pooled.set(meaningOf(r.result), (pooled.get(meaningOf(r.result)) ?? 0) + r.confidence);
  const weighted = (r: SpokenReading) => pooled.get(meaningOf(r.result))! * KIND_WEIGHT[r.result.kind];
  // The best reading of the best meaning; ties keep the recogniser's order.
  const chosen = readings.reduce((best, r) =>
    weighted(r) > weighted(best) || (weighted(r) === weighted(best) && r.confidence > best.confidence)
      ? r
      : best,
  );
  const meaning = meaningOf(chosen.result);
  const confidence = pooled.get(meaning)!;
  const base = { text: chosen.text, command: chosen.command, confidence, readings };
  if (chosen.result.kind !== 'intervention') return { ...base, sure: false };

  // Rivals: readings that would change something else — another structure, another action.
  const rivals = new Map<string, SpokenReading>();
  for (const r of readings) {
    const m = meaningOf(r.result);
    if (r.result.kind !== 'intervention' || m === meaning || rivals.has(m)) continue;
    rivals.set(m, r);
  }
  // The second opinion's readings that would change something else, pooled the same way.
  const opposed = new Map<string, number>();
  for (const h of secondOpinion) {
    const command = spokenToCommand(h.text);
    const result = interpret(command);
    const m = meaningOf(result);
    if (result.kind !== 'intervention' || m === meaning) continue;
    opposed.set(m, (opposed.get(m) ?? 0) + h.confidence);
    if (!rivals.has(m)) rivals.set(m, { text: h.text, command, confidence: 0, result });
  }
  const strongest = Math.max(
    0,
    ...[...rivals.keys()].map((m) => Math.max(pooled.get(m) ?? 0, opposed.get(m) ?? 0)),
  );
  const deciding = decidingWordConfidence(chosen.text, meaning, words, interpret);
  const sure =
    confidence >= thresholds.minConfidence &&
    strongest < thresholds.maxRival &&
    deciding.confidence >= thresholds.minDecidingWord;
  if (sure) return { ...base, sure };

  const weightOf = (m: string) => Math.max(pooled.get(m) ?? 0, opposed.get(m) ?? 0);
  const options = [
    chosen.command,
    ...[...rivals.entries()]
      .filter(([m]) => weightOf(m) >= MIN_OPTION_CONFIDENCE)
      .sort((a, b) => weightOf(b[0]) - weightOf(a[0]))
      .map(([, r]) => r.command),
  ].slice(0, 3);
  const doubt =
    deciding.word && deciding.confidence < thresholds.minDecidingWord
      ? ` (I may have misheard "${deciding.word}")`
      : '';
  const question =
    options.length > 1
      ? `I am not sure what I heard${doubt}. Did you mean "${options[0]}"? Pick one, or say it again.`
      : `I am not sure I heard that right${doubt}: "${chosen.command}". Apply it, or say it again.`;
  return { ...base, sure, question, options };
}
