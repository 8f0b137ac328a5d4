import { describe, expect, it } from 'vitest';
import { oodCell } from './oodScore';

describe('segment list cell', () => {
  it('shows the score, marks 1 or more, and says what it means', () => {
    const base = { value: 5, name: 'liver', pixels: 10, entropy: 0.1, distance: 1.2 };
    expect(oodCell({ ...base, score: 0.4, flagged: false })).toMatchObject({ text: '0.40', flagged: false });
    const bad = oodCell({ ...base, score: 2.5, flagged: true });
    expect(bad.text).toBe('⚠ 2.50');
    expect(bad.title).toMatch(
      /unlike the training scans: check it before use .*distance 1\.20, decoder entropy 0\.10/,
    );
    expect(oodCell(undefined).text).toBe('');
  });
});
