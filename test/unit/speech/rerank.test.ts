import { describe, expect, it } from 'vitest';
import { benchmarkContext, interpretBuiltIn } from '../../../src/main/services/intervention/index';
import {
  decideSpoken,
  parseNbest,
  toHypotheses,
  transcribeResult,
  type Hypothesis,
} from '../../../src/main/services/speech/index';

const interpret = (command: string) => interpretBuiltIn(command, benchmarkContext);
const hyps = (...list: [string, number][]): Hypothesis[] =>
  list.map(([text, confidence]) => ({ text, confidence }));

describe('N-best hypotheses', () => {
  it('reads PocketSphinx N-best lines and turns scores into confidences that add up to one', () => {
    const scored = parseNbest(
      'grow the right kidney a bit -477346\n<s> grow the right kidney a bit <sil> </s> -477400\nerode the right kidney a bit -477370\n',
    );
    expect(scored.map((s) => s.text)).toEqual([
      'grow the right kidney a bit',
      'grow the right kidney a bit',
      'erode the right kidney a bit',
    ]);
    const list = toHypotheses(scored);
    // The two spellings of one hypothesis pool their probability.
    expect(list.map((h) => h.text)).toEqual(['grow the right kidney a bit', 'erode the right kidney a bit']);
    expect(list[0].confidence + list[1].confidence).toBeCloseTo(1, 9);
    expect(list[0].confidence).toBeGreaterThan(list[1].confidence);
  });

  it("keeps the decoder's one-best even when its last pass chose it outside the list", () => {
    const list = toHypotheses([{ text: 'shrink the liver', score: -100 }], 'shrink the liver a bit');
    expect(list.map((h) => h.text).sort()).toEqual(['shrink the liver', 'shrink the liver a bit']);
  });
});

describe('re-ranking by meaning and the safety rule', () => {
  it('applies without asking when the readings agree on the action and the structure', () => {
    const d = decideSpoken(
      hyps(
        ['shrink the spleen by three millimetres', 0.55],
        ['shrink the spleen by three millimetre', 0.4],
        ['shrink the spleen by three', 0.05],
      ),
      interpret,
    );
    expect(d.sure).toBe(true);
    expect(d.command).toBe('shrink the spleen by 3 millimetres');
    // "by three" without a unit is a question, not the same change: it does not add to the pool.
    expect(d.confidence).toBeCloseTo(0.95, 5);
    expect(d.question).toBeUndefined();
  });

  it('asks instead of applying when a rival reading does the opposite, offering both', () => {
    const d = decideSpoken(
      hyps(['erode the right kidney a bit', 0.55], ['grow the right kidney a bit', 0.45]),
      interpret,
    );
    expect(d.sure).toBe(false);
    expect(d.options).toEqual(['erode the right kidney a bit', 'grow the right kidney a bit']);
    expect(d.question).toMatch(/not sure/);
  });

  it('asks when a rival reading names another structure', () => {
    const d = decideSpoken(
      hyps(['shrink the liver a bit', 0.7], ['shrink the spleen a bit', 0.3]),
      interpret,
    );
    expect(d.sure).toBe(false);
    expect(d.options).toContain('shrink the spleen a bit');
  });

  it('asks when the one reading is not confident enough, and offers it to confirm', () => {
    const d = decideSpoken(
      hyps(['shrink the liver a bit', 0.45], ['the liver a bit', 0.3], ['hello there', 0.25]),
      interpret,
    );
    expect(d.sure).toBe(false);
    expect(d.options).toEqual(['shrink the liver a bit']);
  });

  it('asks when the second opinion hears the opposite, even though the first list agrees', () => {
    const heard = hyps(['grow the stomach a bit', 0.96], ['grow the stomach a bit here', 0.04]);
    expect(decideSpoken(heard, interpret).sure).toBe(true);
    const d = decideSpoken(heard, interpret, {
      secondOpinion: hyps(['shrink the stomach a bit', 0.7], ['grow the stomach a bit', 0.3]),
    });
    expect(d.sure).toBe(false);
    // What was heard stays the choice: the second opinion only vetoes, and is offered beside it.
    expect(d.command).toBe('grow the stomach a bit');
    expect(d.options).toEqual(['grow the stomach a bit', 'shrink the stomach a bit']);
  });

  it('still applies when the second opinion agrees, or hears nothing it could apply', () => {
    const heard = hyps(['remove the spleen label', 1]);
    const agreeing = hyps(['delete the spleen', 0.8], ['hello', 0.2]);
    expect(decideSpoken(heard, interpret, { secondOpinion: agreeing }).sure).toBe(true);
    expect(decideSpoken(heard, interpret, { secondOpinion: hyps(['open the next study', 1]) }).sure).toBe(
      true,
    );
  });

  it('prefers a reading the interpreter understands over a likelier one it cannot read', () => {
    const d = decideSpoken(
      hyps(
        ['the liver spills over in the stomach gauge', 0.4],
        ['the liver spills into the stomach', 0.35],
        ['the liver spills into the stomach here', 0.25],
      ),
      interpret,
    );
    expect(d.text).toBe('the liver spills into the stomach');
    expect(interpret(d.command)).toMatchObject({
      kind: 'intervention',
      intervention: { action: 'shrink', target: 'liver' },
    });
  });

  it('never applies a reading that is a question or a refusal, whatever its confidence', () => {
    expect(decideSpoken(hyps(['shrink the kidney', 1]), interpret)).toMatchObject({ sure: false });
    expect(decideSpoken(hyps(['open the next study', 1]), interpret)).toMatchObject({ sure: false });
    expect(decideSpoken([], interpret)).toMatchObject({ sure: false, text: '' });
  });

  it('gives the chat the chosen command and the decision, in the view it is about', () => {
    const transcript = {
      text: 'erode the right kidney a bit',
      engine: 'pocketsphinx',
      elapsedMs: 300,
      audioSeconds: 2,
      hypotheses: hyps(['erode the right kidney a bit', 0.5], ['grow the right kidney a bit', 0.5]),
    };
    const result = transcribeResult(transcript, benchmarkContext);
    expect(result).toMatchObject({ sure: false, command: 'erode the right kidney a bit' });
    expect(result.options).toHaveLength(2);
    expect(result).not.toHaveProperty('hypotheses');
    // Without a view (the command line), the plain transcript and its command.
    expect(transcribeResult(transcript)).toMatchObject({ command: 'erode the right kidney a bit' });
    expect(transcribeResult(transcript)).not.toHaveProperty('sure');
  });
});
