import { describe, expect, it } from 'vitest';
import { alignWords } from '../../../src/main/services/speech/alignWords';
import { wordErrors } from '../../../src/main/services/speech/index';

const words = (text: string) => text.split(' ').filter(Boolean);

describe('lining up what was said with what was heard', () => {
  it('counts a misheard word, a dropped word and an added word as one error each', () => {
    expect(wordErrors('grow the right kidney a bit', 'erode the right kidney a bit')).toEqual({
      errors: 1,
      words: 6,
    });
    expect(wordErrors('grow the right kidney', 'grow right kidney')).toEqual({ errors: 1, words: 4 });
    expect(wordErrors('grow the right kidney', 'please grow the right kidney')).toEqual({
      errors: 1,
      words: 4,
    });
    expect(wordErrors('shrink the liver', '')).toEqual({ errors: 3, words: 3 });
  });

  it('says which heard word stands in place of each said word, and none where nothing was heard', () => {
    const said = words('please grow the left kidney');
    const heard = words('grow the right kidney a bit');
    const { errors, inPlaceOf } = alignWords(said, heard);
    expect(errors).toBe(4);
    // "please" was not heard; "left" was heard as "right"; "a bit" was added.
    expect(inPlaceOf).toEqual([undefined, 0, 1, 2, 3]);
  });
});
