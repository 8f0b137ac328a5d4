import { describe, expect, it } from 'vitest';
import { benchmarkContext, interpretBuiltIn } from '../../../src/main/services/intervention/index';
import {
  alignedPosteriors,
  decideSpoken,
  decidingWordConfidence,
  decidingWords,
  parseCtm,
  transcribeResult,
  type WordPosterior,
} from '../../../src/main/services/speech/index';

const interpret = (command: string) => interpretBuiltIn(command, benchmarkContext);
const posteriors = (...list: [string, number][]): WordPosterior[] =>
  list.map(([word, posterior]) => ({ word, posterior }));
const safety = { minConfidence: 0.9, maxRival: 0.1, minDecidingWord: 0.8 };

describe("the decoder's word posteriors", () => {
  it('reads the CTM lines PocketSphinx writes, without sentence markers, silences or fillers', () => {
    const ctm = [
      'utt 1 0.00 0.09 <s> 1.000',
      'utt 1 0.09 0.28 grow 0.441',
      'utt 1 0.38 0.21 right(2) 1.000',
      'utt 1 0.60 0.10 <sil> 0.900',
      'utt 1 0.73 0.39 kidney 0.998',
      'utt 1 1.13 0.04 [NOISE] 0.642',
      '',
    ].join('\n');
    expect(parseCtm(ctm)).toEqual(posteriors(['grow', 0.441], ['right', 1], ['kidney', 0.998]));
  });

  it("gives a reading's words the posteriors of the one-best words they align with", () => {
    const oneBest = posteriors(['erode', 0.6], ['the', 1], ['right', 0.9], ['kidney', 1]);
    // Same words: their own posteriors. A word in place of another was not heard there.
    expect(alignedPosteriors(['erode', 'the', 'right', 'kidney'], oneBest)).toEqual([0.6, 1, 0.9, 1]);
    expect(alignedPosteriors(['grow', 'the', 'right', 'kidney'], oneBest)).toEqual([0, 1, 0.9, 1]);
    // A word the one-best never heard gets nothing; a one-best word the reading lacks is skipped.
    expect(alignedPosteriors(['please', 'erode', 'the', 'kidney'], oneBest)).toEqual([0, 0.6, 1, 1]);
  });
});

describe('the words that decide the change', () => {
  it('are the action and the structure (with its side), not the hedges and fillers', () => {
    const words = 'please grow the right kidney a bit'.split(' ');
    const sure = words.map(() => 1);
    const deciding = decidingWords(words, sure, 'grow kidney_right', interpret).map((at) => words[at]);
    expect(deciding).toEqual(['grow', 'right', 'kidney']);
  });

  it('include one of two words that both say the action: the surer one', () => {
    const words = 'the liver is missing its tip please fill it out'.split(' ');
    const meaning = 'grow liver';
    expect(interpret(words.join(' '))).toMatchObject({ intervention: { action: 'grow' } });
    const posteriors = words.map((w) => (w === 'missing' ? 0.2 : w === 'fill' ? 0.05 : 1));
    const deciding = decidingWords(words, posteriors, meaning, interpret).map((at) => words[at]);
    expect(deciding).toContain('liver');
    expect(deciding).toContain('missing');
  });

  it('make a reading only as sure as the least sure of them', () => {
    const oneBest = posteriors(['grow', 0.55], ['the', 0.3], ['liver', 0.99], ['a', 0.2], ['bit', 0.4]);
    expect(decidingWordConfidence('grow the liver a bit', 'grow liver', oneBest, interpret)).toEqual({
      confidence: 0.55,
      word: 'grow',
    });
    // Without posteriors (an engine that gives none) nothing is named.
    expect(decidingWordConfidence('grow the liver a bit', 'grow liver', [], interpret)).toEqual({
      confidence: 1,
    });
  });
});

describe('the safety rule with word posteriors', () => {
  const heard = [{ text: 'erode the right kidney a bit', confidence: 1 }];

  it('asks when the action word was a guess, even though every hypothesis agrees', () => {
    expect(decideSpoken(heard, interpret, {}, safety).sure).toBe(true);
    const words = posteriors(
      ['erode', 0.5],
      ['the', 1],
      ['right', 1],
      ['kidney', 1],
      ['a', 0.3],
      ['bit', 0.3],
    );
    const d = decideSpoken(heard, interpret, { words }, safety);
    expect(d.sure).toBe(false);
    expect(d.question).toContain('"erode"');
    expect(d.options).toEqual(['erode the right kidney a bit']);
  });

  it('applies when only words that change nothing were uncertain', () => {
    const words = posteriors(
      ['erode', 0.95],
      ['the', 0.4],
      ['right', 0.9],
      ['kidney', 1],
      ['a', 0.3],
      ['bit', 0.3],
    );
    expect(decideSpoken(heard, interpret, { words }, safety).sure).toBe(true);
  });

  it("reaches the chat through the transcript's words", () => {
    const transcript = {
      text: 'erode the right kidney a bit',
      words: posteriors(['erode', 0.2], ['the', 1], ['right', 1], ['kidney', 1], ['a', 1], ['bit', 1]),
      hypotheses: heard,
      engine: 'pocketsphinx',
      elapsedMs: 300,
      audioSeconds: 2,
    };
    const result = transcribeResult(transcript, benchmarkContext);
    expect(result.sure).toBe(false);
    expect(result).not.toHaveProperty('words');
  });
});
