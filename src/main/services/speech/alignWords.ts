// Two word sequences lined up with the fewest edits (substitutions, insertions, deletions): the
// word error rate counts those edits, and the safety rule reads which word of a reading the
// decoder's one-best heard in the same place (decidingWords.ts). One alignment for both, so what
// the benchmark counts as a misheard word is what the safety rule treats as one. Pure.

export interface WordAlignment {
  /** Edits that turn the reference into the hypothesis. */
  errors: number;
  /**
   * For each reference word, the index of the hypothesis word in its place (the same word or one
   * said instead of it); undefined where the hypothesis has nothing there.
   */
  inPlaceOf: (number | undefined)[];
}

export function alignWords(reference: readonly string[], hypothesis: readonly string[]): WordAlignment {
  const [n, m] = [reference.length, hypothesis.length];
  // cost[i][j]: edits to turn reference[i..] into hypothesis[j..].
  const cost = Array.from({ length: n + 1 }, (_, i) =>
    Array.from({ length: m + 1 }, (_, j) => (i === n ? m - j : j === m ? n - i : 0)),
  );
  const differ = (i: number, j: number) => (reference[i] === hypothesis[j] ? 0 : 1);
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      cost[i][j] = Math.min(cost[i + 1][j + 1] + differ(i, j), cost[i + 1][j] + 1, cost[i][j + 1] + 1);
  // Walked from the front, preferring a word in place of a word, then a word the hypothesis added.
  const inPlaceOf: (number | undefined)[] = [];
  let [i, j] = [0, 0];
  while (i < n) {
    if (j < m && cost[i][j] === cost[i + 1][j + 1] + differ(i, j)) inPlaceOf[i++] = j++;
    else if (j < m && cost[i][j] === cost[i][j + 1] + 1) j++;
    else inPlaceOf[i++] = undefined;
  }
  return { errors: cost[0][0], inPlaceOf };
}
