// PocketSphinx (Debian `pocketsphinx`, `pocketsphinx-en-us`; 0.8/5prealpha command-line tools),
// listening with the correction language model (lm/: a trigram model of generated correction
// commands backed off to general English, so an unscripted phrasing still comes through), with the
// closed command grammar (grammar.ts) decoding the same audio as a second opinion, or with the
// grammar alone (an option; it can only return sentences it lists). Each search writes an N-best
// list: the model's is what was heard, re-ranked by meaning by the caller (rerank.ts); the grammar's
// may only veto applying it without asking. `pocketsphinx_batch` decodes the whole recording as one
// utterance: `pocketsphinx_continuous -infile` splits at pauses and its live cepstral mean starts
// from a default that misreads the first words, which on synthetic and real commands alike cost
// whole words ("the liver" heard as "the tumor"). Each call runs its own process on its own
// temporary folder, so calls may overlap and a cancelled call kills only its own decoder.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  SpeechCancelledError,
  SpeechUnavailableError,
  type Availability,
  type SpeechAudio,
  type SpeechEngine,
  type TranscribeOptions,
  type Transcript,
} from './engine';
import { structures as catalogue } from '../../../shared/anatomy';
import { buildCommandGrammar, grammarAccepts, parseDictionary, type CommandGrammar } from './grammar';
import { parseCtm, parseNbest, toHypotheses, type Hypothesis, type WordPosterior } from './hypotheses';
import { addPronunciations } from './lm/g2p';
import { buildModelFromFiles, type CorrectionModel, type ModelJob } from './lm/model';
import { withLeadIn, withNoiseFloor } from './noiseFloor';
import { SPEECH_SAMPLE_RATE, pcmToWav, wavToSpeechPcm } from './wav';

export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

export interface PocketSphinxOptions {
  /** The decoder executable: a name looked up on PATH, or a path. */
  binary?: string;
  /** Acoustic model folder (holds mdef, means, …). */
  hmmDir?: string;
  /** The full pronouncing dictionary the grammar's words are taken from. */
  dictionaryPath?: string;
  /** Where the generated grammar and dictionary are written (default: a fresh temporary folder). */
  workDir?: string;
  /**
   * 'lm' (default): the correction language model; 'grammar': the closed command grammar, which
   * only hears the sentences it lists.
   */
  search?: 'lm' | 'grammar';
  /**
   * The folder built by scripts/build-speech-lm.mjs (resources/speech): the whole catalogue's
   * model, the G2P pronunciations and the general English words smaller models back off to.
   */
  languageModelDir?: string;
  /** How many hypotheses the decoder lists for re-ranking. */
  nbest?: number;
  /**
   * With the language model, also decode with the closed grammar as a second opinion (default
   * true): where the grammar hears another change, the chat asks (rerank.ts). Pooling the two
   * lists instead cost meaning (intent agreement 64 → 59 % on our own tuning commands): the
   * grammar forces unscripted commands onto listed ones.
   */
  grammarOpinion?: boolean;
  /** Builds the model for a set of structures; the app passes one that runs in a worker thread. */
  buildModel?: (job: ModelJob) => Promise<CorrectionModel>;
}

const WIDE_LM_BEAMS = [
  ...['-beam', '1e-60', '-wbeam', '1e-40', '-pbeam', '1e-60', '-lpbeam', '1e-50'],
  ...['-fwdflatbeam', '1e-80', '-fwdflatwbeam', '1e-40'],
];

/** What the language model folder must hold. */
const LM_FILES = ['correction.lm', 'correction.dict', 'g2p.dict', 'general-english.txt'];

const INSTALL =
  'PocketSphinx is not installed. On Debian or Ubuntu: `sudo apt-get install pocketsphinx pocketsphinx-en-us` ' +
  '(the decoder and its US English acoustic model); then restart the workstation.';

async function findExecutable(name: string): Promise<string | undefined> {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, name));
  for (const path of candidates) {
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** The search files on disk, built once per engine and structure set. */
interface Prepared {
  /** The grammar, in grammar mode. */
  grammar?: CommandGrammar;
  /** -jsgf or -lm and the file. */
  search: ['-jsgf' | '-lm', string];
  dictPath: string;
}

export class PocketSphinxEngine implements SpeechEngine {
  readonly id: string;
  readonly description: string;
  private readonly search: 'lm' | 'grammar';
  private readonly binary: string;
  private readonly hmmDir: string;
  private readonly dictionaryPath: string;
  private dictionary?: Promise<Map<string, string[]>>;
  /** Grammars by structure set; a segmentation's set rarely changes within a session. */
  private readonly prepared = new Map<string, Promise<Prepared>>();
  private workDir?: string;

  constructor(private readonly options: PocketSphinxOptions = {}) {
    this.search = options.search ?? 'lm';
    this.id = this.search === 'lm' ? 'pocketsphinx' : 'pocketsphinx-grammar';
    this.description =
      this.search === 'lm'
        ? 'Offline; a language model of correction commands backed off to general English (with the command grammar as a second opinion), re-ranked by meaning'
        : 'Offline, closed grammar of the correction commands (hears only the sentences it lists)';
    this.binary = options.binary ?? 'pocketsphinx_batch';
    this.hmmDir = options.hmmDir ?? join(POCKETSPHINX_MODEL_DIR, 'en-us');
    this.dictionaryPath = options.dictionaryPath ?? join(POCKETSPHINX_MODEL_DIR, 'cmudict-en-us.dict');
  }

  async available(): Promise<Availability> {
    if (!(await findExecutable(this.binary)))
      return { ok: false, install: `${INSTALL} (no ${this.binary} on PATH)` };
    if (!(await exists(join(this.hmmDir, 'mdef')))) {
      return { ok: false, install: `${INSTALL} (no acoustic model in ${this.hmmDir})` };
    }
    if (!(await exists(this.dictionaryPath))) {
      return { ok: false, install: `${INSTALL} (no dictionary ${this.dictionaryPath})` };
    }
    if (this.search === 'lm') {
      const dir = this.options.languageModelDir;
      const missing = dir ? (await Promise.all(LM_FILES.map((f) => exists(join(dir, f))))).indexOf(false) : 0;
      if (missing >= 0) {
        return {
          ok: false,
          install:
            `The correction language model is missing (${dir ? join(dir, LM_FILES[missing]) : 'no folder given'}); ` +
            'reinstall the workstation, or rebuild it with `node scripts/build-speech-lm.mjs`.',
        };
      }
    }
    return { ok: true };
  }

  /** cmudict with the G2P pronunciations (words it lacks, e.g. "iliopsoas", and variants) merged in. */
  private loadDictionary(): Promise<Map<string, string[]>> {
    this.dictionary ??= (async () => {
      const dict = parseDictionary(await readFile(this.dictionaryPath, 'utf8'));
      const dir = this.options.languageModelDir;
      const g2p = dir ? await readFile(join(dir, 'g2p.dict'), 'utf8').catch(() => '') : '';
      return addPronunciations(dict, parseDictionary(g2p));
    })();
    return this.dictionary.catch((error) => {
      this.dictionary = undefined;
      throw error;
    });
  }

  /**
   * Builds and writes the search for a set of structures (default: the whole catalogue, whose
   * language model ships prebuilt). A grammar or a model for a few structures takes about a second
   * the first time; later calls with the same set reuse it.
   */
  prepare(structures?: readonly string[], search = this.search): Promise<Prepared> {
    const names = structures ? [...new Set(structures)].sort() : undefined;
    const key = `${search}:${names ? names.join(',') : '*'}`;
    let prepared = this.prepared.get(key);
    if (!prepared) {
      prepared = (async (): Promise<Prepared> => {
        const lmDir = this.options.languageModelDir;
        if (search === 'lm' && !names && lmDir) {
          return { search: ['-lm', join(lmDir, 'correction.lm')], dictPath: join(lmDir, 'correction.dict') };
        }
        const chosen = names ? catalogue.filter((s) => names.includes(s.name)) : catalogue;
        if (chosen.length === 0) throw new Error(`none of ${names?.join(', ')} is in the anatomy catalogue`);
        const root =
          this.options.workDir ?? (this.workDir ??= await mkdtemp(join(tmpdir(), 'causal-sam-speech-')));
        const dir = join(root, createHash('sha256').update(key).digest('hex').slice(0, 16));
        await mkdir(dir, { recursive: true });
        const dictPath = join(dir, 'correction.dict');
        if (search === 'lm') {
          const build = this.options.buildModel ?? buildModelFromFiles;
          const model = await build({
            dictionaryPath: this.dictionaryPath,
            languageModelDir: lmDir!,
            structures: chosen.map((s) => s.name),
          });
          await writeFile(join(dir, 'correction.lm'), model.arpa);
          await writeFile(dictPath, model.dictionary);
          return { search: ['-lm', join(dir, 'correction.lm')], dictPath };
        }
        const grammar = buildCommandGrammar(await this.loadDictionary(), chosen);
        const jsgfPath = join(dir, 'correction.gram');
        await writeFile(jsgfPath, grammar.jsgf);
        await writeFile(dictPath, grammar.dictionary);
        return { grammar, search: ['-jsgf', jsgfPath], dictPath };
      })();
      this.prepared.set(key, prepared);
      // A failed build (say, a missing dictionary) is retried on the next call rather than kept.
      prepared.catch(() => this.prepared.delete(key));
    }
    return prepared;
  }

  /** Removes the grammar folder this engine made for itself (not a workDir it was given). */
  async dispose(): Promise<void> {
    const made = this.workDir;
    this.workDir = undefined;
    this.prepared.clear();
    if (made) await rm(made, { recursive: true, force: true });
  }

  async transcribe(audio: SpeechAudio, options: TranscribeOptions = {}): Promise<Transcript> {
    const { signal, name, structures } = options;
    if (signal?.aborted) throw new SpeechCancelledError();
    const availability = await this.available();
    if (!availability.ok) throw new SpeechUnavailableError(availability.install);
    const pcm = audio instanceof Int16Array ? audio : wavToSpeechPcm(audio, name);
    const searches: ('lm' | 'grammar')[] =
      this.search === 'lm' && (this.options.grammarOpinion ?? true) ? ['lm', 'grammar'] : [this.search];
    const prepared = await Promise.all(searches.map((search) => this.prepare(structures, search)));
    const started = performance.now();
    const dir = await mkdtemp(join(tmpdir(), 'causal-sam-utt-'));
    try {
      // Our own WAV writer always writes a 44-byte header, which -adchdr skips. A short pause
      // before the first word, and the floor, which gives digitally silent pauses the room noise
      // the acoustic model expects (noiseFloor.ts).
      const heard = withNoiseFloor(withLeadIn(pcm, undefined, SPEECH_SAMPLE_RATE));
      await writeFile(join(dir, 'utt.wav'), pcmToWav(heard, SPEECH_SAMPLE_RATE));
      await writeFile(join(dir, 'utt.ctl'), 'utt\n');
      // The searches run side by side (one process each), so the second opinion costs no wall time
      // on a machine with a core to spare.
      const lists = await Promise.all(prepared.map((p, n) => this.decode(dir, `s${n}`, p, signal)));
      // The first search's decoder one-best (its last pass is more exact than the N-best scores)
      // and its list; the grammar's list, where it ran, is the second opinion.
      const [{ text, hypotheses, words }, second] = lists;
      return {
        text,
        ...(words.length ? { words } : {}),
        ...(hypotheses.length
          ? { confidence: hypotheses.find((h) => h.text === text)?.confidence ?? 0, hypotheses }
          : {}),
        ...(second?.hypotheses.length ? { secondOpinion: second.hypotheses } : {}),
        engine: this.id,
        elapsedMs: Math.round(performance.now() - started),
        audioSeconds: pcm.length / SPEECH_SAMPLE_RATE,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** One decoder run over dir/utt.wav with one search; its N-best list as hypotheses. */
  private async decode(
    dir: string,
    tag: string,
    { search, dictPath, grammar }: Prepared,
    signal?: AbortSignal,
  ): Promise<{ text: string; hypotheses: Hypothesis[]; words: WordPosterior[] }> {
    const out = (ext: string) => join(dir, `${tag}${ext}`);
    await mkdir(out('.nbest.d'));
    const args = [
      ...['-adcin', 'yes', '-adchdr', '44', '-cepdir', dir, '-cepext', '.wav', '-ctl', join(dir, 'utt.ctl')],
      ...['-hyp', out('.hyp'), '-samprate', String(SPEECH_SAMPLE_RATE)],
      // Synthetic and gated recordings hold runs of exact zeros, whose log energy the front end
      // cannot take: without dither, words next to a pause are misheard (25 → 9 of 40 exact).
      // A fixed seed makes that dither, and so the transcript, the same for the same audio.
      ...['-dither', 'yes', '-seed', '1'],
      // The language model's search with beams wider than the defaults: on commands it has not
      // seen, the defaults prune the right path early (WER 23 → 20 % on our own tuning commands,
      // at about the same decoding time). The grammar's search keeps its defaults (wider, it slows).
      ...(search[0] === '-lm' ? WIDE_LM_BEAMS : []),
      // The one-best's words with their lattice posteriors (the lattice is built anyway).
      ...(search[0] === '-lm' ? ['-ctm', out('.ctm')] : []),
      ...['-hmm', this.hmmDir, '-dict', dictPath, ...search, '-logfn', out('.log')],
      ...['-nbest', String(this.options.nbest ?? 10), '-nbestdir', out('.nbest.d'), '-nbestext', '.nbest'],
    ];
    await run(this.binary, args, signal, out('.log'));
    const text = parseHypothesis(await readFile(out('.hyp'), 'utf8').catch(() => ''));
    const nbest = await readFile(join(out('.nbest.d'), 'utt.nbest'), 'utf8').catch(() => '');
    // A grammar's lattice also holds paths that stop inside a sentence: only whole ones count.
    const scored = parseNbest(nbest).filter((h) => !grammar || grammarAccepts(grammar.rules, h.text));
    const words = parseCtm(await readFile(out('.ctm'), 'utf8').catch(() => ''));
    return { text, hypotheses: toHypotheses(scored, text || undefined).filter((h) => h.text), words };
  }
}

/** "shrink the liver (utt -12345)" → "shrink the liver"; an empty hypothesis is " (utt 0)". */
export function parseHypothesis(line: string): string {
  const first = line.split('\n')[0] ?? '';
  return first
    .replace(/\s*\([^()]*\)\s*$/, '')
    .replace(/<\/?s>|<sil>|\[[A-Z]+\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function run(
  binary: string,
  args: string[],
  signal: AbortSignal | undefined,
  logPath: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const abort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', abort);
      reject(new SpeechUnavailableError(`${INSTALL} (${binary}: ${error.message})`));
    });
    child.on('close', async (code) => {
      signal?.removeEventListener('abort', abort);
      if (signal?.aborted) return reject(new SpeechCancelledError());
      if (code === 0) return resolve();
      const log = await readFile(logPath, 'utf8').catch(() => stderr);
      const errors = log
        .split('\n')
        .filter((l) => /ERROR|FATAL/.test(l))
        .slice(-3)
        .join('; ');
      reject(new Error(`${binary} failed (exit ${code}): ${errors || stderr.trim() || 'no message'}`));
    });
  });
}
