// The correction language model for a set of structures: the corpus (corpus.ts) for those
// structures, counted into an interpolated Kneser–Ney trigram model backed off to general English
// (ngram.ts), and the pronouncing dictionary of its words. The build script writes the whole
// catalogue's model into resources/speech/; the PocketSphinx engine builds one per set of
// structures on screen (fewer names, fewer confusions), in about a second, and keeps it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { structures as catalogue, type Structure } from '../../../../shared/anatomy';
import { parseDictionary, pronounce, type PronouncingDictionary } from '../grammar';
import { corpusRules, generateCorpus, seededRandom } from './corpus';
import { addPronunciations } from './g2p';
import { buildLanguageModel, toArpa } from './ngram';

export interface CorrectionModelInput {
  /** cmudict with the G2P entries merged in. */
  dictionary: PronouncingDictionary;
  /** General English unigram probabilities (resources/speech/general-english.txt). */
  general: ReadonlyMap<string, number>;
  structures?: readonly Structure[];
  /** Corpus size; the default suits a few structures, the whole catalogue wants ~10× more. */
  sentences?: number;
  seed?: number;
  /** Weight of the corpus against general English at the unigram level. */
  corpusWeight?: number;
}

export interface CorrectionModel {
  arpa: string;
  /** Dictionary lines ("word PH ONES", alternates "word(2) …") for every word of the model. */
  dictionary: string;
  vocabulary: number;
  ngrams: number[];
  sentences: number;
}

export const DEFAULT_SEED = 17;
export const DEFAULT_CORPUS_WEIGHT = 0.9;

export function buildCorrectionModel(input: CorrectionModelInput): CorrectionModel {
  const structures = input.structures ?? catalogue;
  const count = input.sentences ?? Math.min(120_000, 20_000 + 1_000 * structures.length);
  const rules = corpusRules(input.dictionary, structures);
  const sentences = generateCorpus(rules, count, seededRandom(input.seed ?? DEFAULT_SEED));
  return modelOfSentences(sentences, input);
}

/**
 * The model of given sentences (space-separated words) backed off to general English. Besides the
 * generated corpus, the benchmark's oracle run uses it on the test sentences themselves, to tell
 * how much of what is misheard the language model could still win back (a diagnostic, never shipped).
 */
export function modelOfSentences(
  corpus: readonly string[],
  input: Pick<CorrectionModelInput, 'dictionary' | 'general' | 'corpusWeight'>,
): CorrectionModel {
  const sentences = corpus.map((s) => s.split(' ').filter(Boolean));
  const model = buildLanguageModel(sentences, {
    order: 3,
    corpusWeight: input.corpusWeight ?? DEFAULT_CORPUS_WEIGHT,
    general: input.general,
    keep: (w) => pronounce(w, input.dictionary).length > 0,
  });
  const lines: string[] = [];
  for (const word of model.vocabulary) {
    if (word.startsWith('<')) continue;
    pronounce(word, input.dictionary).forEach((p, n) =>
      lines.push(`${n === 0 ? word : `${word}(${n + 1})`} ${p}`),
    );
  }
  return {
    arpa: toArpa(model),
    dictionary: lines.join('\n') + '\n',
    vocabulary: model.vocabulary.length,
    ngrams: model.logProb.map((l) => l.size),
    sentences: sentences.length,
  };
}

/** general-english.txt: "word log10prob" per line → probabilities. */
export function parseGeneralEnglish(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [word, logp] = line.trim().split(/\s+/);
    if (word && logp && !word.startsWith('#') && Number.isFinite(Number(logp)))
      out.set(word, 10 ** Number(logp));
  }
  return out;
}

/** What a model build needs, as plain data (it may run in a worker thread). */
export interface ModelJob {
  /** cmudict-en-us.dict. */
  dictionaryPath: string;
  /** resources/speech: g2p.dict and general-english.txt. */
  languageModelDir: string;
  /** Catalogue names. */
  structures: string[];
}

/** Reads the dictionary, the G2P entries and general English, and builds the model for the structures. */
export async function buildModelFromFiles(job: ModelJob): Promise<CorrectionModel> {
  const [cmudict, g2p, general] = await Promise.all([
    readFile(job.dictionaryPath, 'utf8'),
    readFile(join(job.languageModelDir, 'g2p.dict'), 'utf8'),
    readFile(join(job.languageModelDir, 'general-english.txt'), 'utf8'),
  ]);
  const dictionary = addPronunciations(parseDictionary(cmudict), parseDictionary(g2p));
  const structures = catalogue.filter((s) => job.structures.includes(s.name));
  if (structures.length === 0)
    throw new Error(`none of ${job.structures.join(', ')} is in the anatomy catalogue`);
  return buildCorrectionModel({ dictionary, general: parseGeneralEnglish(general), structures });
}
