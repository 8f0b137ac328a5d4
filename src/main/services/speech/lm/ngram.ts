// An n-gram language model in ARPA format, counted from the generated correction corpus and backed
// off to general English. Interpolated Kneser–Ney (one absolute discount per order, estimated from
// the count-of-counts as Ney et al. do): lower orders count the contexts a word follows, not how
// often it occurs. The unigram level is interpolated with a general English unigram distribution
// (PocketSphinx's en-us model, its most frequent words), so a word the corpus never used still has
// a path — the recogniser can hear "the liver spills over" even if no pattern says "over".
//
// Interpolated models are written exactly in ARPA back-off form: a seen n-gram stores its full
// interpolated probability, and a context's back-off weight is the mass its discount released.
// Pure: sentences and the general distribution in, ARPA text out.

export const SENTENCE_START = '<s>';
export const SENTENCE_END = '</s>';

export interface LanguageModelOptions {
  /** Highest order (3: trigrams). */
  order?: number;
  /** Weight of the corpus at the unigram level; the rest goes to general English. */
  corpusWeight?: number;
  /**
   * General English unigram probabilities (not log) of the words it may contribute; they are
   * renormalised over the vocabulary. Words of the corpus missing from it get the corpus's share only.
   */
  general?: ReadonlyMap<string, number>;
  /** Words the recogniser can pronounce; n-grams holding any other word are dropped. Default: all. */
  keep?: (word: string) => boolean;
}

export interface LanguageModel {
  order: number;
  /** Per order (index 0 = unigrams): n-gram (words joined by a space) → log10 probability. */
  logProb: Map<string, number>[];
  /** Per order: context n-gram → log10 back-off weight (absent = 0). */
  logBackoff: Map<string, number>[];
  vocabulary: string[];
}

/** Counts of every n-gram of order 1..order in the sentences, padded with <s> … </s>. */
function countNgrams(sentences: readonly string[][], order: number): Map<string, number>[] {
  const counts = Array.from({ length: order }, () => new Map<string, number>());
  for (const words of sentences) {
    const padded = [SENTENCE_START, ...words, SENTENCE_END];
    for (let end = 1; end <= padded.length; end++) {
      for (let n = 1; n <= order && end - n >= 0; n++) {
        const gram = padded.slice(end - n, end);
        if (n === 1 && gram[0] === SENTENCE_START) continue;
        const key = gram.join(' ');
        counts[n - 1].set(key, (counts[n - 1].get(key) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/**
 * Kneser–Ney counts: the highest order keeps its counts; a lower-order n-gram counts the distinct
 * words before it — except one starting a sentence, which has none and keeps its count.
 */
function adjustedCounts(raw: Map<string, number>[]): Map<string, number>[] {
  return raw.map((counts, n) => {
    if (n === raw.length - 1) return counts;
    const adjusted = new Map<string, number>();
    for (const key of raw[n + 1].keys()) {
      const rest = key.slice(key.indexOf(' ') + 1);
      adjusted.set(rest, (adjusted.get(rest) ?? 0) + 1);
    }
    for (const [key, count] of counts) if (key.startsWith(`${SENTENCE_START} `)) adjusted.set(key, count);
    return adjusted;
  });
}

/** Ney's discount D = n1 / (n1 + 2 n2), from how many n-grams occur once and twice. */
function discountOf(counts: Map<string, number>): number {
  let [n1, n2] = [0, 0];
  for (const c of counts.values()) {
    if (c === 1) n1++;
    else if (c === 2) n2++;
  }
  return n1 + n2 > 0 ? Math.min(0.95, Math.max(0.1, n1 / (n1 + 2 * n2))) : 0.5;
}

const contextOf = (key: string) => {
  const cut = key.lastIndexOf(' ');
  return cut < 0 ? '' : key.slice(0, cut);
};
const lowerOf = (key: string) => key.slice(key.indexOf(' ') + 1);

/** Builds the interpolated Kneser–Ney model of the sentences (each an array of words). */
export function buildLanguageModel(
  sentences: readonly string[][],
  options: LanguageModelOptions = {},
): LanguageModel {
  const order = options.order ?? 3;
  const keep = options.keep ?? (() => true);
  const kept = sentences.filter((s) => s.length > 0 && s.every(keep));
  const counts = adjustedCounts(countNgrams(kept, order));
  const logProb = Array.from({ length: order }, () => new Map<string, number>());
  const logBackoff = Array.from({ length: order }, () => new Map<string, number>());

  // Unigrams: discounted corpus counts, the released mass spread evenly over the corpus words,
  // then mixed with general English over the vocabulary (corpus words ∪ general words).
  const corpusWords = [...counts[0].keys()];
  const general = new Map([...(options.general ?? new Map<string, number>())].filter(([w]) => keep(w)));
  const vocabulary = [...new Set([...corpusWords, ...general.keys()])].filter((w) => w !== SENTENCE_START);
  const generalTotal = [...general.values()].reduce((a, b) => a + b, 0);
  const corpusWeight = generalTotal > 0 ? (options.corpusWeight ?? 0.9) : 1;
  const d1 = discountOf(counts[0]);
  const total1 = [...counts[0].values()].reduce((a, b) => a + b, 0);
  const released1 = (d1 * counts[0].size) / total1;
  const unigram = new Map<string, number>();
  for (const word of vocabulary) {
    const c = counts[0].get(word) ?? 0;
    const corpus = Math.max(c - d1, 0) / total1 + released1 / corpusWords.length;
    const inCorpus = counts[0].has(word) ? corpus : 0;
    const g = generalTotal > 0 ? (general.get(word) ?? 0) / generalTotal : 0;
    unigram.set(word, corpusWeight * inCorpus + (1 - corpusWeight) * g);
  }
  for (const [word, p] of unigram) logProb[0].set(word, Math.log10(p));
  logProb[0].set(SENTENCE_START, -99);

  // Higher orders: P(w|h) = max(c(hw) − D, 0)/c(h) + D·N1+(h•)/c(h) · P(w|h').
  const probOf = (key: string, n: number): number => {
    const stored = logProb[n].get(key);
    if (stored !== undefined) return 10 ** stored;
    if (n === 0) return 0;
    const backoff = logBackoff[n - 1].get(contextOf(key)) ?? 0;
    return 10 ** backoff * probOf(lowerOf(key), n - 1);
  };
  for (let n = 1; n < order; n++) {
    const d = discountOf(counts[n]);
    const contextTotal = new Map<string, { sum: number; types: number }>();
    for (const [key, c] of counts[n]) {
      const h = contextOf(key);
      const t = contextTotal.get(h) ?? { sum: 0, types: 0 };
      t.sum += c;
      t.types += 1;
      contextTotal.set(h, t);
    }
    for (const [h, t] of contextTotal) logBackoff[n - 1].set(h, Math.log10((d * t.types) / t.sum));
    // Sorted so that every lower-order probability is final before a higher one reads it.
    for (const [key, c] of counts[n]) {
      const t = contextTotal.get(contextOf(key))!;
      const p = Math.max(c - d, 0) / t.sum + ((d * t.types) / t.sum) * probOf(lowerOf(key), n - 1);
      logProb[n].set(key, Math.log10(p));
    }
  }
  // A context that never continues backs off with weight 1 (log 0): drop those entries.
  for (const level of logBackoff) for (const [k, v] of level) if (Math.abs(v) < 1e-9) level.delete(k);
  return { order, logProb, logBackoff, vocabulary: vocabulary.sort() };
}

/** The model as ARPA text (what PocketSphinx's -lm reads). */
export function toArpa(model: LanguageModel): string {
  const lines = ['\\data\\'];
  model.logProb.forEach((level, n) => lines.push(`ngram ${n + 1}=${level.size}`));
  model.logProb.forEach((level, n) => {
    lines.push('', `\\${n + 1}-grams:`);
    for (const key of [...level.keys()].sort()) {
      const backoff = n < model.order - 1 ? model.logBackoff[n].get(key) : undefined;
      const p = level.get(key)!.toFixed(4);
      lines.push(backoff === undefined ? `${p}\t${key}` : `${p}\t${key}\t${backoff.toFixed(4)}`);
    }
  });
  lines.push('', '\\end\\', '');
  return lines.join('\n');
}

/** The log10 probability of a sentence under the model (for tests and the build report). */
export function sentenceLogProb(model: LanguageModel, words: readonly string[]): number {
  const padded = [SENTENCE_START, ...words, SENTENCE_END];
  let total = 0;
  for (let end = 2; end <= padded.length; end++) {
    const gram = padded.slice(Math.max(0, end - model.order), end);
    total += log10Prob(model, gram);
  }
  return total;
}

/** log10 P(word | history) under the model, the history cut to the model's order. */
export function wordLogProb(model: LanguageModel, history: readonly string[], word: string): number {
  return log10Prob(model, [...history.slice(Math.max(0, history.length - model.order + 1)), word]);
}

function log10Prob(model: LanguageModel, gram: string[]): number {
  const n = gram.length - 1;
  const stored = model.logProb[n].get(gram.join(' '));
  if (stored !== undefined) return stored;
  if (n === 0) return -99;
  return (model.logBackoff[n - 1].get(gram.slice(0, -1).join(' ')) ?? 0) + log10Prob(model, gram.slice(1));
}

/** Unigram probabilities (not log) from the \1-grams: section of ARPA text; other sections ignored. */
export function readArpaUnigrams(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const start = text.indexOf('\\1-grams:');
  if (start < 0) return out;
  const end = text.indexOf('\\2-grams:', start);
  for (const line of text
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .slice(1)) {
    const [logp, word] = line.split(/\s+/);
    if (!word || Number.isNaN(Number(logp)) || word.startsWith('<')) continue;
    out.set(word, 10 ** Number(logp));
  }
  return out;
}
