// A recogniser's N-best list as hypotheses with a confidence each. PocketSphinx writes one
// hypothesis per line with its path score (acoustic + language model, in the decoder's log units);
// the confidence of a hypothesis is its share of the list's probability mass, the scores scaled down
// by the usual acoustic scale (an acoustic model's frame scores are far too sharp to be read as
// probabilities as they are). The decoder's one-best also comes with a posterior per word (from
// its word lattice), which the safety rule reads for the words that decide the change. Pure: text
// in, hypotheses out.

export interface Hypothesis {
  /** The words, lower case, fillers removed. */
  text: string;
  /** Share of the N-best list's probability mass, 0–1; all of a list's add up to 1. */
  confidence: number;
}

/**
 * PocketSphinx 5prealpha scores are log base 1.0001 shifted right by 10 bits: one unit is
 * 1024 · ln 1.0001 ≈ 0.1 nats. Divided by 10 (about the language weight, the usual acoustic scale
 * for posteriors), two hypotheses 100 units apart differ by e ≈ 2.7× in confidence.
 */
export const POCKETSPHINX_NATS_PER_UNIT = (1024 * Math.log(1.0001)) / 10;

/** One word of the decoder's one-best and its lattice posterior, 0–1. */
export interface WordPosterior {
  word: string;
  posterior: number;
}

/**
 * PocketSphinx's CTM lines ("utt 1 0.38 0.21 right 1.000": start, duration, word, posterior) → the
 * one-best's words with their posteriors, markers and fillers left out.
 */
export function parseCtm(text: string): WordPosterior[] {
  const out: WordPosterior[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6) continue;
    const word = cleanWords(fields[4]);
    const posterior = Number(fields[5]);
    if (word && Number.isFinite(posterior))
      out.push({ word, posterior: Math.min(1, Math.max(0, posterior)) });
  }
  return out;
}

/** Removes PocketSphinx's markers: sentence ends, silences and noise words ([BREATH], ++NOISE++). */
export function cleanWords(text: string): string {
  return text
    .replace(/<\/?s>|<sil>|\[[A-Za-z_]+\]|\+\+?[A-Za-z_]+\+\+?|\(\d+\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** "words -37705" lines → [{text, score}], in file order. */
export function parseNbest(text: string): { text: string; score: number }[] {
  const out: { text: string; score: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(.*?)\s*(-?\d+)\s*$/.exec(line.trim());
    if (!m || !line.trim()) continue;
    out.push({ text: cleanWords(m[1]), score: Number(m[2]) });
  }
  return out;
}

/**
 * Scored alternatives → hypotheses by confidence, best first. Alternatives that differ only in
 * fillers or silences are one hypothesis (their probabilities add up). `best`, the decoder's own
 * one-best (which its last pass may choose outside the list), joins with the list's top score.
 */
export function toHypotheses(
  scored: readonly { text: string; score: number }[],
  best?: string,
  natsPerUnit = POCKETSPHINX_NATS_PER_UNIT,
): Hypothesis[] {
  const list = [...scored];
  if (best !== undefined && list.length > 0 && !list.some((h) => h.text === best)) {
    list.push({ text: best, score: Math.max(...list.map((h) => h.score)) });
  }
  if (list.length === 0) return best ? [{ text: best, confidence: 1 }] : [];
  const top = Math.max(...list.map((h) => h.score));
  const mass = new Map<string, number>();
  for (const h of list) mass.set(h.text, (mass.get(h.text) ?? 0) + Math.exp((h.score - top) * natsPerUnit));
  const total = [...mass.values()].reduce((a, b) => a + b, 0);
  return [...mass]
    .map(([text, m]) => ({ text, confidence: m / total }))
    .sort((a, b) => b.confidence - a.confidence);
}
