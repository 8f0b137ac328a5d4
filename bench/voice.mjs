// `npm run bench -- voice [--set heldout|tuning|dev] [--searches lm,lm-alone,grammar] [--voices en-us,en-gb]
// [--speeds 140,175] [--noise none,white] [--jobs 2] [--limit N] [--name voice-compare] [--dump FILE] [--oracle-lm]`: spoken
// corrections the language model never saw. --set heldout (the default, what is reported) says the commands of
// bench/voice/heldout-commands.txt, written before and apart from the model's training phrasings
// (src/main/services/speech/lm/phrasings.ts) and never added to its corpus; --set dev says fresh
// sentences of the training phrasings (a different seed from the model's), for tuning without
// touching the held-out set; --set tuning says our own tuning commands (bench/voice/tuning-commands.txt,
// on which the decoder settings and the safety thresholds were chosen). Each command is said by espeak-ng (2 voices × 2 speeds, clean and with
// white noise mixed in by sox), recognised by PocketSphinx listening for the structures on screen
// (as the app passes them), its N-best re-ranked by meaning in the benchmark's view, and compared
// with what the interpreter makes of the typed words:
//   wer               word errors of the chosen reading against the words said;
//   intent_agreement  the spoken command yields the same interpretation as its typed words;
//   dangerous_rate    applied without asking (sure) yet the opposite action or another structure
//                     than the typed words mean (or anything, where the typed words make no change);
//   asked             the chat asked instead of applying; latency: recognition, audio in → readings out.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, sourceLoader } from './sources.mjs';
import { writeResults } from './results.mjs';

const { values } = parseArgs({
  options: {
    set: { type: 'string', default: 'heldout' },
    searches: { type: 'string', default: 'lm' },
    voices: { type: 'string', default: 'en-us,en-gb' },
    speeds: { type: 'string', default: '140,175' },
    noise: { type: 'string', default: 'none,white' },
    jobs: { type: 'string', default: '2' },
    limit: { type: 'string' },
    /** Results file name (bench/results/<name>.json), for a comparison run beside the headline one. */
    name: { type: 'string' },
    /** Writes every decode's transcript (N-best and second opinion) here, to replay the safety rule offline. */
    dump: { type: 'string' },
    /**
     * Diagnostic only, never shipped: the language model is built from the set's own sentences, so
     * what is still misheard is the acoustics' doing (written to <name>-oracle.json).
     */
    'oracle-lm': { type: 'boolean', default: false },
  },
});
const list = (s) => s.split(',').filter(Boolean);
const [voices, speeds, noises, searches] = [values.voices, values.speeds, values.noise, values.searches].map(
  list,
);
const jobs = Math.max(1, Number(values.jobs));

for (const tool of ['espeak-ng', 'sox', 'pocketsphinx_batch']) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    console.error(`voice bench: ${tool} is missing; run scripts/install-system-packages.sh`);
    process.exit(1);
  }
}

const server = await sourceLoader();
const speech = await server.load('/src/main/services/speech/index.ts');
const corpus = await server.load('/src/main/services/speech/lm/corpus.ts');
const g2p = await server.load('/src/main/services/speech/lm/g2p.ts');
const lmModel = await server.load('/src/main/services/speech/lm/model.ts');
const { structures: catalogue } = await server.load('/src/shared/anatomy.ts');
const { interpretBuiltIn, scoreInterpretation, benchmarkContext, benchmarkContextWithCursor } =
  await server.load('/src/main/services/intervention/index.ts');

/** cmudict with the G2P pronunciations merged in, as the engine reads it. */
function pronouncingDictionary() {
  return g2p.addPronunciations(
    speech.parseDictionary(readFileSync(join(speech.POCKETSPHINX_MODEL_DIR, 'cmudict-en-us.dict'), 'utf8')),
    speech.parseDictionary(readFileSync(join(root, 'resources/speech/g2p.dict'), 'utf8')),
  );
}

/** The held-out (or tuning) commands ("@ " = with the cursor), or dev sentences of the training phrasings. */
function commands() {
  if (values.set === 'dev') {
    const dict = pronouncingDictionary();
    const visible = benchmarkContext.visibleStructures;
    const rules = corpus.corpusRules(
      dict,
      catalogue.filter((s) => visible.includes(s.name)),
    );
    return corpus
      .generateCorpus(rules, 40, corpus.seededRandom(999))
      .map((spoken) => ({ command: speech.spokenToCommand(spoken), spoken, context: benchmarkContext }));
  }
  const file = values.set === 'tuning' ? 'tuning-commands.txt' : 'heldout-commands.txt';
  return readFileSync(join(root, 'bench/voice', file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((line) => {
      const cursor = line.startsWith('@ ');
      const command = cursor ? line.slice(2).trim() : line.trim();
      return {
        command,
        spoken: speech.commandToSpoken(command),
        context: cursor ? benchmarkContextWithCursor : benchmarkContext,
      };
    });
}
const set = commands().slice(0, values.limit ? Number(values.limit) : undefined);

const work = mkdtempSync(join(tmpdir(), 'bench-voice-'));
const languageModelDir = join(root, 'resources/speech');
// lm: the app's engine (the language model with the grammar's second opinion); lm-alone: the
// language model by itself; grammar: the closed grammar by itself.
const engineOptions = {
  lm: { search: 'lm' },
  'lm-alone': { search: 'lm', grammarOpinion: false },
  grammar: { search: 'grammar' },
};
const oracleModel = values['oracle-lm']
  ? lmModel.modelOfSentences(
      set.map((c) => c.spoken),
      {
        dictionary: pronouncingDictionary(),
        general: lmModel.parseGeneralEnglish(
          readFileSync(join(languageModelDir, 'general-english.txt'), 'utf8'),
        ),
      },
    )
  : undefined;
const engines = Object.fromEntries(
  searches.map((search) => [
    search,
    new speech.PocketSphinxEngine({
      ...engineOptions[search],
      languageModelDir,
      workDir: join(work, search),
      ...(oracleModel ? { buildModel: async () => oracleModel } : {}),
    }),
  ]),
);
const visible = benchmarkContext.visibleStructures;
const prepareMs = {};
for (const [search, engine] of Object.entries(engines)) {
  const started = performance.now();
  await engine.prepare(visible, 'lm');
  if (search !== 'lm-alone') await engine.prepare(visible, 'grammar');
  prepareMs[search] = Math.round(performance.now() - started);
}

const rms = (pcm) => Math.sqrt(pcm.reduce((s, x) => s + x * x, 0) / Math.max(1, pcm.length));

/** Says the words; returns the 16 kHz WAV bytes per noise condition and the noisy one's SNR. */
function synthesise(name, text, voice, speed) {
  const raw = join(work, `${name}.raw.wav`);
  const clean = join(work, `${name}.wav`);
  execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', raw, text]);
  execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', clean]);
  const out = { none: readFileSync(clean) };
  if (noises.includes('white')) {
    const seconds = speech.parseWav(new Uint8Array(out.none)).samples.length / 16000;
    const noise = join(work, `${name}.noise.wav`);
    const noisy = join(work, `${name}.noisy.wav`);
    const gen = ['-n', '-r', '16000', '-c', '1', '-b', '16', noise, 'synth', String(seconds)];
    execFileSync('sox', [...gen, 'whitenoise', 'vol', '0.02']);
    execFileSync('sox', ['-m', '-v', '1', clean, '-v', '1', noise, noisy]);
    out.white = readFileSync(noisy);
    const speechLevel = rms(speech.parseWav(new Uint8Array(out.none)).samples);
    const noiseLevel = rms(speech.parseWav(new Uint8Array(readFileSync(noise))).samples);
    out.snrDb = 20 * Math.log10(speechLevel / noiseLevel);
  }
  return out;
}

const asExpected = (r) =>
  r.kind === 'intervention' ? { kind: r.kind, intervention: r.intervention } : { kind: r.kind };

/** Applied without asking, yet not the action and structure the typed words mean. */
function dangerous(decision, heard, typed) {
  if (!decision.sure || heard.kind !== 'intervention') return false;
  if (typed.kind !== 'intervention') return true;
  return (
    heard.intervention.action !== typed.intervention.action ||
    heard.intervention.target !== typed.intervention.target
  );
}

const items = [];
for (const voice of voices)
  for (const speed of speeds) set.forEach((c, index) => items.push({ ...c, voice, speed, index }));

const rows = [];
const snrs = [];
let next = 0;
async function worker() {
  while (next < items.length) {
    const item = items[next++];
    const audio = synthesise(
      `${item.voice.replace(/\W/g, '_')}-${item.speed}-${item.index}`,
      item.spoken,
      item.voice,
      item.speed,
    );
    if (audio.snrDb !== undefined) snrs.push(audio.snrDb);
    const typed = interpretBuiltIn(item.command, item.context);
    for (const noise of noises) {
      for (const [search, engine] of Object.entries(engines)) {
        const transcript = await engine.transcribe(new Uint8Array(audio[noise]), { structures: visible });
        const decision = speech.transcribeResult(transcript, item.context);
        const heard = interpretBuiltIn(decision.command, item.context);
        const { errors, words } = speech.wordErrors(item.spoken, decision.text);
        rows.push({
          ...item,
          noise,
          search,
          text: decision.text,
          errors,
          words,
          intentOk: scoreInterpretation(heard, asExpected(typed)),
          sure: decision.sure === true,
          asked: Boolean(decision.question),
          dangerous: dangerous(decision, heard, typed),
          typedKind: typed.kind,
          heardKind: heard.kind,
          elapsedMs: transcript.elapsedMs,
          audioSeconds: transcript.audioSeconds,
          ...(values.dump ? { transcript, typed } : {}),
        });
      }
    }
    process.stderr.write(`  ${rows.length} decodes\r`);
  }
}
await Promise.all(Array.from({ length: jobs }, worker));
await server.close();
rmSync(work, { recursive: true, force: true });

if (values.dump) writeFileSync(values.dump, JSON.stringify(rows));

const pct = (a, b) => (b ? Math.round((1000 * a) / b) / 10 : 0);
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};
const wer = (rs) =>
  pct(
    rs.reduce((s, r) => s + r.errors, 0),
    rs.reduce((s, r) => s + r.words, 0),
  );
const share = (rs, key) => pct(rs.filter((r) => r[key]).length, rs.length);

const figures = {};
for (const search of searches) {
  const g = rows.filter((r) => r.search === search);
  // The language model is the headline; the closed grammar is reported beside it for comparison.
  const tag = search === 'lm' ? '' : `_${search}`;
  figures[`wer${tag}`] = { value: wer(g), unit: '%' };
  figures[`intent_agreement${tag}`] = { value: share(g, 'intentOk'), unit: '%' };
  figures[`dangerous_rate${tag}`] = {
    value: share(g, 'dangerous'),
    unit: '% (applied without asking, wrong action or structure)',
  };
  figures[`asked${tag}`] = { value: share(g, 'asked'), unit: '% (the chat asked instead of applying)' };
  figures[`applied_directly_and_right${tag}`] = {
    value: share(
      g.map((r) => ({ ok: r.sure && r.intentOk })),
      'ok',
    ),
    unit: '%',
  };
  for (const noise of noises) {
    const n = g.filter((r) => r.noise === noise);
    const label = noise === 'none' ? 'clean' : 'noisy';
    figures[`wer${tag}_${label}`] = { value: wer(n), unit: '%' };
    figures[`intent_agreement${tag}_${label}`] = { value: share(n, 'intentOk'), unit: '%' };
    figures[`dangerous_rate${tag}_${label}`] = { value: share(n, 'dangerous'), unit: '%' };
  }
  for (const voice of voices) {
    const v = g.filter((r) => r.voice === voice);
    figures[`wer${tag}_${voice}`] = { value: wer(v), unit: '%' };
    figures[`intent_agreement${tag}_${voice}`] = { value: share(v, 'intentOk'), unit: '%' };
  }
  for (const speed of speeds) {
    const v = g.filter((r) => r.speed === speed);
    figures[`wer${tag}_${speed}wpm`] = { value: wer(v), unit: '%' };
    figures[`intent_agreement${tag}_${speed}wpm`] = { value: share(v, 'intentOk'), unit: '%' };
  }
  figures[`latency_median${tag}`] = {
    value: quantile(
      g.map((r) => r.elapsedMs),
      0.5,
    ),
    unit: 'ms',
  };
  figures[`latency_p95${tag}`] = {
    value: quantile(
      g.map((r) => r.elapsedMs),
      0.95,
    ),
    unit: 'ms',
  };
  figures[`search_build${tag}`] = {
    value: prepareMs[search],
    unit: 'ms (once per set of structures on screen)',
  };
}
figures.snr_noisy_median = { value: Math.round(10 * quantile(snrs, 0.5)) / 10, unit: 'dB' };
figures.commands = { value: set.length, unit: `${values.set} commands` };
figures.utterances = {
  value: rows.length,
  unit: `decodes (${voices.join('/')} × ${speeds.join('/')} wpm × ${noises.join('/')} × ${searches.join('/')})`,
};

const headline = rows.filter((r) => r.search === searches[0]);
const byCommand = new Map();
for (const r of headline.filter((r) => !r.intentOk || r.dangerous)) {
  const entry = byCommand.get(r.spoken) ?? { missed: 0, dangerous: 0, example: r };
  entry.missed += r.intentOk ? 0 : 1;
  entry.dangerous += r.dangerous ? 1 : 0;
  byCommand.set(r.spoken, entry);
}
console.log(
  `\nmost missed (${searches[0]}, of ${voices.length * speeds.length * noises.length} conditions each):`,
);
for (const [spoken, e] of [...byCommand].sort((a, b) => b[1].missed - a[1].missed).slice(0, 15)) {
  console.log(
    `  ${e.missed}×${e.dangerous ? ` (${e.dangerous} applied wrongly)` : ''} "${spoken}" → e.g. "${e.example.text}"` +
      ` (${e.example.voice} ${e.example.speed} ${e.example.noise}${e.example.asked ? ', asked' : ''})`,
  );
}

const resultsName = values.name ?? (values.set === 'heldout' ? 'voice' : `voice-${values.set}`);
writeResults(values['oracle-lm'] ? `${resultsName}-oracle` : resultsName, figures, {
  wer: { target: 15, unit: '%', better: 'lower' },
  intent_agreement: { target: 90, unit: '%', better: 'higher' },
  dangerous_rate: { target: 1, unit: '%', better: 'lower' },
  latency_median: { target: 1000, unit: 'ms', better: 'lower' },
});
