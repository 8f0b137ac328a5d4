// `npm run bench -- voice [--voices en-us,en-gb] [--speeds 140,175] [--noise none,white]
// [--grammars catalogue,visible] [--jobs 2]`: the spoken-command benchmark. Every correction
// benchmark command is said aloud by espeak-ng (several voices and speeds, clean and with white
// noise mixed in by sox), recognised by PocketSphinx under the command grammar, and interpreted by
// the built-in interpreter. Reported: word error rate against the words said, intent accuracy (the
// same interpretation as the typed command, scored as the correction benchmark scores it) and
// recognition latency. Two grammars: the whole anatomy catalogue, and only the structures of the
// segmentation on screen (what the app passes), to show what the catalogue's size costs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sourceLoader } from './sources.mjs';
import { writeResults } from './results.mjs';

const { values } = parseArgs({
  options: {
    voices: { type: 'string', default: 'en-us,en-gb' },
    speeds: { type: 'string', default: '140,175' },
    noise: { type: 'string', default: 'none,white' },
    grammars: { type: 'string', default: 'visible,catalogue' },
    /** Noise conditions the (slow) whole-catalogue grammar runs on; default: clean audio only. */
    'catalogue-noise': { type: 'string', default: 'none' },
    jobs: { type: 'string', default: '2' },
    /** Only the first N commands (a quick check of the bench itself). */
    limit: { type: 'string' },
  },
});
const list = (s) => s.split(',').filter(Boolean);
const voices = list(values.voices);
const speeds = list(values.speeds).map(Number);
const noises = list(values.noise);
const grammars = list(values.grammars);
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
const { grammarAccepts } = await server.load('/src/main/services/speech/grammar.ts');
const { benchmarkCommands, interpretBuiltIn, scoreInterpretation } = await server.load(
  '/src/main/services/intervention/index.ts',
);

const work = mkdtempSync(join(tmpdir(), 'bench-voice-'));
const engine = new speech.PocketSphinxEngine({ workDir: join(work, 'grammar') });
const visible = [...new Set(benchmarkCommands.flatMap((c) => c.context.visibleStructures))];

const prepareStarted = performance.now();
const catalogueGrammar = (await engine.prepare()).grammar;
const prepareMs = Math.round(performance.now() - prepareStarted);
if (grammars.includes('visible')) await engine.prepare(visible);

const asExpected = (r) =>
  r.kind === 'intervention' ? { kind: r.kind, intervention: r.intervention } : { kind: r.kind };

const rms = (pcm) => Math.sqrt(pcm.reduce((s, x) => s + x * x, 0) / Math.max(1, pcm.length));

/** Says the command; returns the 16 kHz WAV bytes for each noise condition and the SNR of the noisy one. */
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
    execFileSync('sox', [
      '-n',
      '-r',
      '16000',
      '-c',
      '1',
      '-b',
      '16',
      noise,
      'synth',
      String(seconds),
      'whitenoise',
      'vol',
      '0.02',
    ]);
    execFileSync('sox', ['-m', '-v', '1', clean, '-v', '1', noise, noisy]);
    out.white = readFileSync(noisy);
    const speechLevel = rms(speech.parseWav(new Uint8Array(out.none)).samples);
    const noiseLevel = rms(speech.parseWav(new Uint8Array(readFileSync(noise))).samples);
    out.snrDb = 20 * Math.log10(speechLevel / noiseLevel);
  }
  return out;
}

const items = [];
for (const voice of voices) {
  for (const speed of speeds) {
    benchmarkCommands
      .slice(0, values.limit ? Number(values.limit) : undefined)
      .forEach((c, n) => items.push({ voice, speed, command: c, index: n }));
  }
}

const rows = [];
const snrs = [];
let next = 0;
async function worker() {
  while (next < items.length) {
    const item = items[next++];
    const spoken = speech.commandToSpoken(item.command.command);
    const audio = synthesise(
      `${item.voice.replace(/\W/g, '_')}-${item.speed}-${item.index}`,
      spoken,
      item.voice,
      item.speed,
    );
    if (audio.snrDb !== undefined) snrs.push(audio.snrDb);
    const typed = interpretBuiltIn(item.command.command, item.command.context);
    for (const noise of noises) {
      for (const grammar of grammars) {
        if (grammar === 'catalogue' && !list(values['catalogue-noise']).includes(noise)) continue;
        const transcript = await engine.transcribe(new Uint8Array(audio[noise]), {
          structures: grammar === 'visible' ? visible : undefined,
        });
        const heard = interpretBuiltIn(speech.spokenToCommand(transcript.text), item.command.context);
        const { errors, words } = speech.wordErrors(spoken, transcript.text);
        rows.push({
          ...item,
          noise,
          grammar,
          spoken,
          text: transcript.text,
          errors,
          words,
          intentOk: scoreInterpretation(heard, asExpected(typed)),
          typedKind: typed.kind,
          heardKind: heard.kind,
          elapsedMs: transcript.elapsedMs,
          audioSeconds: transcript.audioSeconds,
        });
      }
    }
    process.stderr.write(`  ${rows.length} decodes\r`);
  }
}
await Promise.all(Array.from({ length: jobs }, worker));
await server.close();
rmSync(work, { recursive: true, force: true });

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
const intent = (rs) => pct(rs.filter((r) => r.intentOk).length, rs.length);

const figures = {};
for (const grammar of grammars) {
  const g = rows.filter((r) => r.grammar === grammar);
  // The app passes the structures on screen, so that grammar is the headline figure.
  const tag = grammar === 'visible' ? '' : `_${grammar}_grammar`;
  figures[`wer${tag}`] = { value: wer(g), unit: '%' };
  figures[`intent_accuracy${tag}`] = { value: intent(g), unit: '%' };
  for (const noise of noises) {
    const n = g.filter((r) => r.noise === noise);
    if (n.length === 0) continue;
    figures[`wer${tag}_${noise === 'none' ? 'clean' : 'noisy'}`] = { value: wer(n), unit: '%' };
    figures[`intent_accuracy${tag}_${noise === 'none' ? 'clean' : 'noisy'}`] = {
      value: intent(n),
      unit: '%',
    };
  }
  for (const voice of voices) {
    figures[`intent_accuracy${tag}_${voice}`] = {
      value: intent(g.filter((r) => r.voice === voice)),
      unit: '%',
    };
  }
  for (const speed of speeds) {
    figures[`intent_accuracy${tag}_${speed}wpm`] = {
      value: intent(g.filter((r) => r.speed === speed)),
      unit: '%',
    };
  }
  // Commands that are not corrections ("hello there", "delete the study"): the grammar cannot say
  // them, so the safe outcome is an empty transcript (a refusal), not a forced correction.
  const refusals = g.filter((r) => r.typedKind === 'refuse');
  figures[`not_a_correction_refused${tag}`] = {
    value: pct(refusals.filter((r) => r.heardKind === 'refuse').length, refusals.length),
    unit: '%',
  };
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
}
const catalogueRows = rows.filter((r) => r.grammar === grammars[0]); // the headline grammar's rows
figures.realtime_factor_median = {
  value:
    Math.round(
      100 *
        quantile(
          catalogueRows.map((r) => r.elapsedMs / 1000 / r.audioSeconds),
          0.5,
        ),
    ) / 100,
  unit: '× audio',
};
figures.grammar_build = { value: prepareMs, unit: 'ms (once per process)' };
figures.snr_noisy_median = { value: Math.round(10 * quantile(snrs, 0.5)) / 10, unit: 'dB' };
figures.commands = { value: benchmarkCommands.length, unit: 'commands' };
figures.utterances = {
  value: rows.length,
  unit: `decodes (${voices.join('/')} × ${speeds.join('/')} wpm × ${noises.join('/')} × ${grammars.join('/')} grammar)`,
};
figures.commands_in_grammar = {
  value: benchmarkCommands.filter((c) =>
    grammarAccepts(catalogueGrammar.rules, speech.commandToSpoken(c.command)),
  ).length,
  unit: `of ${benchmarkCommands.length} (the rest: not corrections, and "by 3" without a unit)`,
};
figures.speakable_structures = {
  value: Object.keys(catalogueGrammar.spokenNames).length,
  unit: `of ${Object.keys(catalogueGrammar.spokenNames).length + catalogueGrammar.unspeakable.length} catalogue structures`,
};

const misses = catalogueRows.filter((r) => !r.intentOk);
const byCommand = new Map();
for (const r of misses) byCommand.set(r.spoken, (byCommand.get(r.spoken) ?? 0) + 1);
console.log(
  `\nmost missed (${grammars[0]} grammar, of ${voices.length * speeds.length * noises.length} conditions each):`,
);
for (const [spoken, count] of [...byCommand].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  const example = misses.find((r) => r.spoken === spoken);
  console.log(
    `  ${count}× "${spoken}" → e.g. "${example.text}" (${example.voice} ${example.speed} ${example.noise})`,
  );
}

writeResults('voice', figures, {
  intent_accuracy_clean: { target: 90, unit: '%', better: 'higher' },
  latency_p95: { target: 1500, unit: 'ms', better: 'lower' },
  not_a_correction_refused: { target: 80, unit: '%', better: 'higher' },
});
