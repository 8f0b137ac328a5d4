// `causal-sam transcribe <wav> [--engine pocketsphinx|sherpa-onnx] [--json]`: the speech engines
// from the command line. Prints the transcript; with --json also the command text the interpreter
// would read, the engine, its confidence (when it has one) and the timings.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { structureByName } from '../../shared/anatomy';
import { appRoot, resourcesDir } from '../appPaths';
import { chooseEngine, listEngines, speechEngineIds, spokenToCommand } from '../services/speech/index';
import { defaultDataDir } from '../services/workspace/index';
import { UsageError, cliCommand } from './command';

export const transcribeUsage = `usage: causal-sam transcribe <file.wav> [--engine ${speechEngineIds.join('|')}] [--json]

  Transcribes a spoken correction command (16-bit PCM WAV; other rates and stereo are converted).
  --engine pocketsphinx   offline, the correction language model (default when installed)
  --engine pocketsphinx-grammar  offline, the closed command grammar (hears only the sentences it lists)
  --engine sherpa-onnx    general dictation (needs sherpa-onnx-node and an installed model)
  --structures a,b,…      listen only for these catalogue names (e.g. liver,spleen,kidney_left): fewer
                          names, fewer confusions and a faster decoder; default: the whole catalogue
  --json                  one JSON object: file, engine, text, command, confidence, hypotheses (N-best
                          with confidences), elapsedMs, audioSeconds
`;

/**
 * The models folders segmentation uses (services/segmentation modelsDirs), written out here because
 * that index loads the segmentation worker, which a speech command has no use for.
 */
function speechModelsDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    env.CAUSAL_SAM_MODELS_DIR ? resolve(env.CAUSAL_SAM_MODELS_DIR) : join(appRoot, 'models'),
    join(defaultDataDir(env), 'models'),
  ];
}

async function transcribe(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      engine: { type: 'string' },
      structures: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(transcribeUsage);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('transcribe needs one WAV file');
  if (values.engine && !(speechEngineIds as readonly string[]).includes(values.engine)) {
    throw new UsageError(`unknown engine "${values.engine}" (one of: ${speechEngineIds.join(', ')})`);
  }
  const [path] = positionals;
  const unknown = values.structures?.split(',').filter((name) => name && !structureByName(name));
  if (unknown?.length) throw new UsageError(`not in the anatomy catalogue: ${unknown.join(', ')}`);
  const engines = listEngines({
    modelsDirs: speechModelsDirs(),
    languageModelDir: join(resourcesDir, 'speech'),
  });
  try {
    const bytes = new Uint8Array(await readFile(path));
    const engine = await chooseEngine(engines, values.engine);
    const structures = values.structures
      ?.split(',')
      .filter(Boolean)
      .map((name) => structureByName(name)!.name);
    const transcript = await engine.transcribe(bytes, { name: path, structures });
    if (values.json) {
      console.log(JSON.stringify({ file: path, ...transcript, command: spokenToCommand(transcript.text) }));
    } else if (transcript.text) {
      console.log(transcript.text);
    } else {
      console.error(`no command recognised in ${path}`);
    }
    return 0;
  } finally {
    await Promise.all(engines.map((e) => e.dispose?.()));
  }
}

export const transcribeCommand = cliCommand(transcribe, transcribeUsage);
