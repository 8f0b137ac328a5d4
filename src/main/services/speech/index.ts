// Speech recognition for push-to-talk corrections, on the main side and offline: engines behind
// one interface, the correction language model (lm/) and the closed grammar PocketSphinx listens
// with, the re-ranking of its N-best hypotheses by meaning with the rule that decides when a spoken
// command may be applied without asking (rerank.ts), and the WAV/PCM path.
import { SpeechUnavailableError, type Availability, type SpeechEngine } from './engine';
import { GeneralSpeechEngine, type GeneralEngineOptions } from './general';
import { PocketSphinxEngine, type PocketSphinxOptions } from './pocketsphinx';

export {
  SpeechCancelledError,
  SpeechUnavailableError,
  type Availability,
  type SpeechAudio,
  type SpeechEngine,
  type TranscribeOptions,
  type Transcript,
} from './engine';
export {
  buildCommandGrammar,
  parseDictionary,
  pronounce,
  randomSentence,
  spokenStructureNames,
  type CommandGrammar,
  type Expansion,
  type PronouncingDictionary,
  type Rules,
} from './grammar';
export {
  GENERAL_PACKAGE,
  GeneralSpeechEngine,
  speechManifestSchema,
  verifySpeechManifest,
  type SpeechManifest,
} from './general';
export { POCKETSPHINX_MODEL_DIR, PocketSphinxEngine, parseHypothesis } from './pocketsphinx';
export {
  cleanWords,
  parseCtm,
  parseNbest,
  toHypotheses,
  type Hypothesis,
  type WordPosterior,
} from './hypotheses';
export { alignedPosteriors, decidingWordConfidence, decidingWords, meaningOf } from './decidingWords';
export {
  DEFAULT_SAFETY,
  decideSpoken,
  type SafetyThresholds,
  type SpokenDecision,
  type SpokenEvidence,
  type SpokenReading,
} from './rerank';
export { transcribeResult } from './spokenCommand';
export { commandToSpoken, integerToWords, numberToWords, spokenToCommand, wordErrors } from './normalise';
export {
  SPEECH_SAMPLE_RATE,
  WavError,
  downmix,
  parseWav,
  pcmToWav,
  resample,
  wavToSpeechPcm,
  type Wav,
} from './wav';

export const speechEngineIds = ['pocketsphinx', 'pocketsphinx-grammar', 'sherpa-onnx'] as const;
export type SpeechEngineId = (typeof speechEngineIds)[number];

export interface SpeechOptions {
  /** Folders holding speech/<id>/manifest.json for the general engine. */
  modelsDirs: string[];
  /** resources/speech: the correction language model PocketSphinx listens with. */
  languageModelDir?: string;
  pocketsphinx?: PocketSphinxOptions;
  general?: Omit<GeneralEngineOptions, 'modelsDirs'>;
}

/**
 * Every engine, in order of preference: PocketSphinx with the correction language model, then with
 * the closed grammar (an option: it hears only listed sentences), then a general model if installed.
 */
export function listEngines(options: SpeechOptions): SpeechEngine[] {
  const pocketsphinx = { languageModelDir: options.languageModelDir, ...options.pocketsphinx };
  return [
    new PocketSphinxEngine({ ...pocketsphinx, search: 'lm' }),
    new PocketSphinxEngine({ ...pocketsphinx, search: 'grammar' }),
    new GeneralSpeechEngine({ ...options.general, modelsDirs: options.modelsDirs }),
  ];
}

/** Each engine with whether it can run here and, if not, what to install. */
export async function engineStatus(
  engines: SpeechEngine[],
): Promise<{ id: string; description: string; availability: Availability }[]> {
  return Promise.all(
    engines.map(async (e) => ({ id: e.id, description: e.description, availability: await e.available() })),
  );
}

/** The engine named, or the first available one; throws with every engine's install text if none runs. */
export async function chooseEngine(engines: SpeechEngine[], id?: string): Promise<SpeechEngine> {
  if (id) {
    const engine = engines.find((e) => e.id === id);
    if (!engine)
      throw new SpeechUnavailableError(
        `no speech engine "${id}" (known: ${engines.map((e) => e.id).join(', ')})`,
      );
    const availability = await engine.available();
    if (!availability.ok) throw new SpeechUnavailableError(availability.install);
    return engine;
  }
  const reasons: string[] = [];
  for (const engine of engines) {
    const availability = await engine.available();
    if (availability.ok) return engine;
    reasons.push(`${engine.id}: ${availability.install}`);
  }
  throw new SpeechUnavailableError(`no speech engine can run here.\n${reasons.join('\n')}`);
}
