// A transcript → what the chat receives: the command text and, given the view it is about, the
// re-ranked reading and whether it may be applied without asking. The hypotheses are read by the
// built-in interpreter (instant, deterministic): an LLM interpreter, when installed, still reads the
// chosen command afterwards, but the safety decision rests on these rules alone.
import type { TranscribeResult } from '../../../shared/api';
import type { ViewContext } from '../../../shared/intervention';
import { interpretBuiltIn } from '../intervention/index';
import type { Transcript } from './engine';
import { spokenToCommand } from './normalise';
import { decideSpoken } from './rerank';

export function transcribeResult(transcript: Transcript, context?: ViewContext): TranscribeResult {
  const { hypotheses, secondOpinion, words, ...rest } = transcript;
  const plain = { ...rest, command: spokenToCommand(transcript.text) };
  if (!context) return plain;
  const heard = hypotheses?.length
    ? hypotheses
    : [{ text: transcript.text, confidence: transcript.confidence ?? 1 }];
  const decision = decideSpoken(heard, (command) => interpretBuiltIn(command, context), {
    secondOpinion,
    words,
  });
  if (!decision.text) return { ...plain, sure: false };
  return {
    ...rest,
    text: decision.text,
    command: decision.command,
    confidence: decision.confidence,
    sure: decision.sure,
    ...(decision.question ? { question: decision.question, options: decision.options } : {}),
  };
}
