// How sure the recogniser is of the words that decide a change. A sentence can be confident as a
// whole while the one word that says what to do ("grow" heard as "erode") or which structure
// ("right" against "left") is a guess: the N-best list then agrees on the wrong word, because the
// rest of the sentence dominates its scores. The decoder's lattice gives each word of its one-best
// a posterior; the deciding words are those the interpreter needs to read this change rather than
// another (another action, another structure, or none); the reading is only as sure as the least
// sure of them. Numbers and units are not among them: they say how much, and a wrong amount is not
// the opposite action (without its unit, "by three" is a question, so they would otherwise count).
// Pure: the interpreter comes in as a function.
import type { InterpretResult } from '../../../shared/intervention';
import { alignWords } from './alignWords';
import type { WordPosterior } from './hypotheses';
import { spokenToCommand } from './normalise';

/** What a reading would change: action and structure, or only the kind when it changes nothing. */
export function meaningOf(result: InterpretResult): string {
  return result.kind === 'intervention'
    ? `${result.intervention.action} ${result.intervention.target}`
    : result.kind;
}

/**
 * The posterior of each word of `words`, read off the decoder's one-best aligned to them (fewest
 * edits): a word the one-best has in the same place keeps its posterior; any other word gets 0,
 * since the decoder's best path did not hear it there. (Bounding a word said in place of another by
 * what that one left, 1 − its posterior, let a reading through whose verb replaced a word the
 * decoder had barely heard either.)
 */
export function alignedPosteriors(words: readonly string[], oneBest: readonly WordPosterior[]): number[] {
  const { inPlaceOf } = alignWords(
    words,
    oneBest.map((w) => w.word),
  );
  return words.map((word, i) => {
    const at = inPlaceOf[i];
    return at !== undefined && oneBest[at].word === word ? oneBest[at].posterior : 0;
  });
}

const UNIT_WORDS = new Set(
  ['millimetre', 'millimeter', 'centimetre', 'centimeter', 'percent', 'voxel', 'pixel', 'mm', 'cm'].flatMap(
    (u) => [u, `${u}s`],
  ),
);

/** A word that says how much: a number ("three" reads as "3"), "point", or a unit. */
function saysHowMuch(word: string): boolean {
  return UNIT_WORDS.has(word) || word === 'point' || /^\d/.test(spokenToCommand(word));
}

/**
 * The words the reading's meaning rests on: leaving out the least sure words first, each one that
 * can go without changing the meaning goes; those left are needed (numbers and units excepted).
 * Left out one at a time, two words that both say the action ("is missing its lobe, fill it out")
 * would each seem unneeded, and neither would be checked.
 */
export function decidingWords(
  words: readonly string[],
  posteriors: readonly number[],
  meaning: string,
  interpret: (command: string) => InterpretResult,
): number[] {
  const kept = new Set(words.keys());
  const leastSureFirst = [...kept]
    .filter((at) => !saysHowMuch(words[at]))
    .sort((a, b) => posteriors[a] - posteriors[b]);
  const needed: number[] = [];
  for (const at of leastSureFirst) {
    kept.delete(at);
    const rest = words.filter((_, k) => kept.has(k)).join(' ');
    if (meaningOf(interpret(spokenToCommand(rest))) !== meaning) {
      kept.add(at);
      needed.push(at);
    }
  }
  return needed.sort((a, b) => a - b);
}

/**
 * The least posterior among the reading's deciding words, and that word; 1 (no word named) when
 * the engine gives no posteriors or no word decides.
 */
export function decidingWordConfidence(
  text: string,
  meaning: string,
  oneBest: readonly WordPosterior[],
  interpret: (command: string) => InterpretResult,
): { confidence: number; word?: string } {
  if (oneBest.length === 0) return { confidence: 1 };
  const words = text.split(' ').filter(Boolean);
  const posteriors = alignedPosteriors(words, oneBest);
  let least: { confidence: number; word?: string } = { confidence: 1 };
  for (const at of decidingWords(words, posteriors, meaning, interpret)) {
    if (posteriors[at] < least.confidence) least = { confidence: posteriors[at], word: words[at] };
  }
  return least;
}
