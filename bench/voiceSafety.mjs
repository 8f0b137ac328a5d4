// `npm run bench -- voiceSafety --dump FILE [--grid]`: replays the spoken-command safety rule
// (src/main/services/speech/rerank.ts) over the transcripts a voice run saved with
// `npm run bench -- voice --set tuning --dump FILE`, without decoding again. Prints, per threshold
// setting, how often a command was applied wrongly (dangerous), applied directly and right, and
// asked — the trade-off the thresholds were chosen on, on our own tuning commands only — and lists
// the commands applied wrongly with the confidences the rule saw.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sourceLoader } from './sources.mjs';

const { values } = parseArgs({
  options: { dump: { type: 'string' }, grid: { type: 'boolean', default: false } },
});
if (!values.dump) {
  console.error('voiceSafety: --dump FILE is required (written by `npm run bench -- voice --dump FILE`)');
  process.exit(2);
}

const server = await sourceLoader();
const speech = await server.load('/src/main/services/speech/index.ts');
const { interpretBuiltIn } = await server.load('/src/main/services/intervention/index.ts');
const rows = JSON.parse(readFileSync(values.dump, 'utf8')).filter((r) => r.search === 'lm');

/** The decision's reading is not the action and structure the typed words mean. */
function replayWrong(row, decision) {
  const result = interpretBuiltIn(decision.command, row.context);
  const typed = row.typed;
  return (
    result.kind !== 'intervention' ||
    typed.kind !== 'intervention' ||
    result.intervention.action !== typed.intervention.action ||
    result.intervention.target !== typed.intervention.target
  );
}

function replay(row, thresholds) {
  const interpret = (command) => interpretBuiltIn(command, row.context);
  const t = row.transcript;
  const heard = t.hypotheses?.length ? t.hypotheses : [{ text: t.text, confidence: t.confidence ?? 1 }];
  const decision = speech.decideSpoken(
    heard,
    interpret,
    { secondOpinion: t.secondOpinion, words: t.words },
    thresholds,
  );
  const result = interpret(decision.command);
  const wrong = replayWrong(row, decision);
  const meaning = speech.meaningOf(result);
  const deciding = speech.decidingWordConfidence(decision.text, meaning, t.words ?? [], interpret);
  return { decision, dangerous: decision.sure && result.kind === 'intervention' && wrong, deciding };
}

const pct = (n) => Math.round((1000 * n) / rows.length) / 10;
function summary(thresholds) {
  const out = rows.map((r) => ({ row: r, ...replay(r, thresholds) }));
  return {
    out,
    dangerous: pct(out.filter((o) => o.dangerous).length),
    appliedRight: pct(out.filter((o) => o.decision.sure && o.row.intentOk).length),
    asked: pct(out.filter((o) => o.decision.question).length),
  };
}

const base = speech.DEFAULT_SAFETY;
const settings = values.grid
  ? [0.6, 0.7, 0.9].flatMap((minConfidence) =>
      [0, 0.3, 0.4, 0.5, 0.6].map((minDecidingWord) => ({
        ...base,
        minConfidence,
        minDecidingWord,
      })),
    )
  : [base];
console.log(`${rows.length} decodes from ${values.dump}`);
console.log('minConfidence minDecidingWord  dangerous%  applied-right%  asked%');
for (const s of settings) {
  const r = summary(s);
  console.log(
    `${String(s.minConfidence).padEnd(13)} ${String(s.minDecidingWord).padEnd(15)} ${String(r.dangerous).padEnd(11)} ${String(r.appliedRight).padEnd(15)} ${r.asked}`,
  );
}
console.log(`\napplied wrongly at ${JSON.stringify(base)}:`);
for (const o of summary(base).out.filter((o) => o.dangerous)) {
  const words = (o.row.transcript.words ?? []).map((w) => `${w.word}:${w.posterior.toFixed(2)}`).join(' ');
  console.log(
    `  "${o.row.spoken}" → "${o.decision.text}" (${o.row.voice} ${o.row.speed} ${o.row.noise}; sentence ${o.decision.confidence.toFixed(2)}, ` +
      `deciding word ${o.deciding.word ?? '-'} ${o.deciding.confidence.toFixed(2)}; one-best ${words})`,
  );
}

// Why the chat asked: each check relaxed alone, how many asked decodes it would have applied, and
// how many of those rightly. A check that mostly stops right readings costs agreement for nothing.
const asked = summary(base).out.filter((o) => o.decision.question && o.decision.readings.length);
const rightReading = (o) => o.row.typed.kind === 'intervention' && !replayWrong(o.row, o.decision);
console.log(
  `\nasked ${asked.length} times; the chosen reading was right in ${asked.filter(rightReading).length}. Applied had one check been relaxed:`,
);
const relaxed = { sentence: { minConfidence: 0 }, rival: { maxRival: 1.01 }, word: { minDecidingWord: 0 } };
for (const [check, change] of Object.entries(relaxed)) {
  const freed = asked.filter((o) => replay(o.row, { ...base, ...change }).decision.sure);
  console.log(`  ${check.padEnd(8)} ${freed.length} (${freed.filter(rightReading).length} right)`);
}
const doubted = new Map();
for (const o of asked.filter(rightReading)) {
  if (o.deciding.word === undefined || o.deciding.confidence >= base.minDecidingWord) continue;
  doubted.set(o.deciding.word, (doubted.get(o.deciding.word) ?? 0) + 1);
}
console.log(
  `doubted deciding words of right readings: ${[...doubted]
    .sort((a, b) => b[1] - a[1])
    .map(([w, n]) => `${w} ${n}`)
    .join(', ')}`,
);
await server.close();
