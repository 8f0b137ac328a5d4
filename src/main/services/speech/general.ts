// The general engine: free dictation and platforms without PocketSphinx, through sherpa-onnx-node
// (prebuilt binaries for Windows, macOS and Linux) and a model the user installs. Like every model
// here, a speech model is data with a manifest: <models>/speech/<id>/manifest.json names each file
// with its size and sha256, and nothing is loaded unless every file matches. Neither the package
// nor a model ships with the workstation, so available() says exactly what to install.
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { verifySpeechManifest, type VerifiedSpeechModel } from '../models/index';
import {
  SpeechCancelledError,
  SpeechUnavailableError,
  type Availability,
  type SpeechAudio,
  type SpeechEngine,
  type TranscribeOptions,
  type Transcript,
} from './engine';
import { SPEECH_SAMPLE_RATE, wavToSpeechPcm } from './wav';

export const GENERAL_PACKAGE = 'sherpa-onnx-node';

// The manifest and its verifier belong to the models area, with every other kind of model.
export { speechManifestSchema, verifySpeechManifest, type SpeechManifest } from '../models/index';

export interface GeneralEngineOptions {
  /** Folders holding speech/<id>/manifest.json (the app's and the user's models folders). */
  modelsDirs: string[];
  /** A model id; default: the first verified one. */
  modelId?: string;
  /** How the package is looked up (tests pass a resolver that fails or succeeds). */
  resolvePackage?: (name: string) => string;
}

function installText(modelsDirs: string[], missing: string): string {
  const userDir = join(modelsDirs[modelsDirs.length - 1] ?? '<models>', 'speech', '<id>');
  return [
    `General speech recognition needs ${missing}.`,
    `1. In the workstation folder: \`npm install ${GENERAL_PACKAGE}\` (prebuilt binaries; nothing is compiled).`,
    `2. Put a sherpa-onnx offline model (a zipformer transducer or Whisper: encoder, decoder, [joiner,] tokens.txt) in ${userDir}/`,
    '   with a manifest.json: {"schemaVersion":1,"id","name","engine":"sherpa-onnx","kind":"speech","family":"transducer"|"whisper",',
    '   "files":{"encoder":{"path","sha256","bytes"},…},"language","licence"} — `sha256sum` gives each file\'s sha256.',
    'Voice commands work without it through PocketSphinx (`--engine pocketsphinx`).',
  ].join('\n');
}

/** The subset of sherpa-onnx-node's API used here. */
interface SherpaModule {
  OfflineRecognizer: new (config: unknown) => {
    createStream(): { acceptWaveform(wave: { samples: Float32Array; sampleRate: number }): void };
    decode(stream: unknown): void;
    getResult(stream: unknown): { text: string };
  };
}

export class GeneralSpeechEngine implements SpeechEngine {
  readonly id = 'sherpa-onnx';
  readonly description = 'Free dictation on any platform (sherpa-onnx-node and an installed model)';
  private readonly resolvePackage: (name: string) => string;
  private recognizer?: InstanceType<SherpaModule['OfflineRecognizer']>;

  constructor(private readonly options: GeneralEngineOptions) {
    const require = createRequire(import.meta.url);
    this.resolvePackage = options.resolvePackage ?? ((name) => require.resolve(name));
  }

  private async locate(): Promise<
    { ok: true; packagePath: string; model: VerifiedSpeechModel } | { ok: false; install: string }
  > {
    let packagePath: string;
    try {
      packagePath = this.resolvePackage(GENERAL_PACKAGE);
    } catch {
      return {
        ok: false,
        install: installText(this.options.modelsDirs, `the ${GENERAL_PACKAGE} package and a model`),
      };
    }
    const problems: string[] = [];
    for (const dir of this.options.modelsDirs) {
      const entries = await readdir(join(dir, 'speech'), { withFileTypes: true }).catch(() => []);
      for (const entry of entries
        .filter((e) => e.isDirectory())
        .sort((a, b) => a.name.localeCompare(b.name))) {
        if (this.options.modelId && entry.name !== this.options.modelId) continue;
        const checked = await verifySpeechManifest(join(dir, 'speech', entry.name, 'manifest.json'));
        if (typeof checked === 'string') problems.push(checked);
        else return { ok: true, packagePath, model: checked };
      }
    }
    const why = problems.length ? ` (found, but unusable: ${problems.join('; ')})` : '';
    return { ok: false, install: installText(this.options.modelsDirs, `a speech model${why}`) };
  }

  async available(): Promise<Availability> {
    const found = await this.locate();
    return found.ok ? { ok: true } : found;
  }

  async transcribe(audio: SpeechAudio, options: TranscribeOptions = {}): Promise<Transcript> {
    if (options.signal?.aborted) throw new SpeechCancelledError();
    const pcm = audio instanceof Int16Array ? audio : wavToSpeechPcm(audio, options.name);
    if (!this.recognizer) {
      const found = await this.locate();
      if (!found.ok) throw new SpeechUnavailableError(found.install);
      const sherpa = createRequire(import.meta.url)(found.packagePath) as SherpaModule;
      const { manifest, paths } = found.model;
      const modelConfig =
        manifest.family === 'transducer'
          ? { transducer: { encoder: paths.encoder, decoder: paths.decoder, joiner: paths.joiner } }
          : { whisper: { encoder: paths.encoder, decoder: paths.decoder } };
      this.recognizer = new sherpa.OfflineRecognizer({
        featConfig: { sampleRate: SPEECH_SAMPLE_RATE, featureDim: 80 },
        modelConfig: { ...modelConfig, tokens: paths.tokens, numThreads: 2, provider: 'cpu' },
      });
    }
    const started = performance.now();
    const samples = Float32Array.from(pcm, (s) => s / 32768);
    const stream = this.recognizer.createStream();
    stream.acceptWaveform({ samples, sampleRate: SPEECH_SAMPLE_RATE });
    this.recognizer.decode(stream);
    // Dictation may come back with digits, decimals and "%": kept, as the interpreter reads them.
    const text = this.recognizer
      .getResult(stream)
      .text.toLowerCase()
      .replace(/[^a-z0-9'.% ]+|\.(?!\d)/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return {
      text,
      engine: this.id,
      elapsedMs: Math.round(performance.now() - started),
      audioSeconds: pcm.length / SPEECH_SAMPLE_RATE,
    };
  }
}
