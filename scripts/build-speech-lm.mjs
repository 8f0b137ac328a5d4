#!/usr/bin/env node
// `node scripts/build-speech-lm.mjs [--sentences 120000] [--general-words 3000] [--corpus-weight 0.9]
// [--seed 17] [--check]`: builds the correction language model PocketSphinx listens with, into
// resources/speech/:
//   correction.lm    trigram ARPA model: the generated correction corpus (src/main/services/speech/lm),
//                    interpolated Kneser–Ney, backed off at the unigram level to general English;
//   correction.dict  a pronunciation for every word of the model (cmudict, or espeak-ng's G2P);
//   g2p.dict         the G2P pronunciations alone (words cmudict lacks, and espeak-ng's US and
//                    British variants of structure names, sides and units), merged into the
//                    grammar's dictionary too, so every catalogue structure can be said in either mode;
//   general-english.txt  the general English unigrams it backs off to (the engine builds smaller
//                    models for the structures on screen from the same parts);
//   build.json       what it was built from and with, and the by-ear check of the G2P words.
// General English is the unigram section of Debian pocketsphinx-en-us's en-us.lm.bin, written out
// by sphinx_lm_convert (Debian sphinxbase-utils). That tool (0.8+5prealpha) aborts on an assertion
// while writing the bigrams of this model, after the unigrams: only those are read, and only the
// most frequent --general-words of them are used. --check: espeak-ng says every structure name that
// holds a G2P word, and PocketSphinx (the names as a grammar) must hear that name.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import prettier from 'prettier';
import { root, sourceLoader } from '../bench/sources.mjs';

const { values } = parseArgs({
  options: {
    sentences: { type: 'string', default: '120000' },
    'general-words': { type: 'string', default: '3000' },
    'corpus-weight': { type: 'string', default: '0.9' },
    seed: { type: 'string', default: '17' },
    check: { type: 'boolean', default: false },
  },
});
const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const out = join(root, 'resources', 'speech');
for (const tool of ['espeak-ng', 'sphinx_lm_convert']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`build-speech-lm: ${tool} is missing (Debian: espeak-ng, sphinxbase-utils)`);
    process.exit(1);
  }
}
if (!existsSync(join(MODEL_DIR, 'en-us.lm.bin'))) {
  console.error(`build-speech-lm: no ${MODEL_DIR}/en-us.lm.bin (Debian: pocketsphinx-en-us)`);
  process.exit(1);
}

const server = await sourceLoader();
const grammar = await server.load('/src/main/services/speech/grammar.ts');
const corpus = await server.load('/src/main/services/speech/lm/corpus.ts');
const ngram = await server.load('/src/main/services/speech/lm/ngram.ts');
const model = await server.load('/src/main/services/speech/lm/model.ts');
const {
  ipaToArpabet,
  pronunciationVariants: g2pVariants,
  addPronunciations,
} = await server.load('/src/main/services/speech/lm/g2p.ts');
const work = mkdtempSync(join(tmpdir(), 'speech-lm-'));

const cmudict = grammar.parseDictionary(readFileSync(join(MODEL_DIR, 'cmudict-en-us.dict'), 'utf8'));

// 1. Words the corpus can use that cmudict cannot pronounce (not even as a compound of two words):
//    every literal word of the rules and every structure form, but not the interpreter's mechanical
//    plurals of pairs ("arterys"), which are dropped if unpronounceable rather than invented.
const probeRules = corpus.corpusRules(new corpus.EveryWordDictionary());
const literal = new Set();
/** Every literal word of a rule expansion, into a set. */
const collect = (e, into) => {
  if ('words' in e) e.words.forEach((w) => into.add(w));
  else if ('opt' in e) collect(e.opt, into);
  else if ('seq' in e) e.seq.forEach((x) => collect(x, into));
  else if ('alt' in e) e.alt.forEach((x) => collect(x, into));
};
for (const [name, rule] of Object.entries(probeRules)) if (name !== 's') collect(rule, literal);
const { names } = grammar.spokenStructureNames(new corpus.EveryWordDictionary());
for (const form of Object.values(names).flat()) form.split(' ').forEach((w) => literal.add(w));
const missing = [...literal].filter((w) => grammar.pronounce(w, cmudict).length === 0).sort();

// 2. espeak-ng's G2P for those, as ARPAbet.
const g2p = new Map();
const g2pIpa = {};
for (const word of missing) {
  const ipa = execFileSync('espeak-ng', ['-q', '--ipa', '-v', 'en-us', word], { encoding: 'utf8' }).trim();
  g2pIpa[word] = ipa;
  g2p.set(word, [ipaToArpabet(ipa)]);
}
// 2b. Spoken variants of the words that carry a command's meaning (structure names, sides, units,
//     and the action and size words: "bigger" said without its r was heard as other words):
//     espeak-ng's US and British pronunciations where cmudict lists others.
const say = (word, voice) =>
  ipaToArpabet(execFileSync('espeak-ng', ['-q', '--ipa', '-v', voice, word], { encoding: 'utf8' }).trim());
const actionWords = new Set();
for (const rule of ['grow', 'shrink', 'remove', 'toobig', 'toosmall']) collect(probeRules[rule], actionWords);
const meaningWords = new Set([
  ...Object.values(names).flatMap((forms) => forms.flatMap((f) => f.split(' '))),
  ...['left', 'right', 'millimetre', 'millimetres', 'centimetre', 'centimetres', 'percent'],
  ...[...actionWords].filter((w) => w.length > 3),
  ...['bigger', 'smaller', 'larger', 'thinner', 'wider'],
]);
const variants = {};
for (const word of [...meaningWords].filter((w) => cmudict.has(w)).sort()) {
  const extra = g2pVariants(
    cmudict.get(word),
    ['en-us', 'en-gb'].map((voice) => say(word, voice)),
  );
  if (extra.length) {
    g2p.set(word, extra);
    variants[word] = extra;
  }
}
const dict = addPronunciations(new Map(cmudict), g2p);

// 3. General English: en-us.lm.bin's unigrams, the most frequent plain words cmudict pronounces.
const generalArpa = join(work, 'general.arpa');
spawnSync('sphinx_lm_convert', ['-i', join(MODEL_DIR, 'en-us.lm.bin'), '-o', generalArpa, '-ofmt', 'arpa'], {
  stdio: 'ignore',
});
const unigrams = ngram.readArpaUnigrams(existsSync(generalArpa) ? readFileSync(generalArpa, 'utf8') : '');
if (unigrams.size < 50000) {
  console.error(`build-speech-lm: only ${unigrams.size} unigrams came out of en-us.lm.bin; expected ~72000`);
  process.exit(1);
}
const general = new Map(
  [...unigrams]
    .filter(([w]) => /^[a-z]+(?:'[a-z]+)?$/.test(w) && cmudict.has(w))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(values['general-words'])),
);

// 4. The whole catalogue's model and its dictionary (the engine builds smaller ones the same way).
const built = model.buildCorrectionModel({
  dictionary: dict,
  general,
  sentences: Number(values.sentences),
  seed: Number(values.seed),
  corpusWeight: Number(values['corpus-weight']),
});
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'correction.lm'), built.arpa);
writeFileSync(join(out, 'correction.dict'), built.dictionary);
writeFileSync(
  join(out, 'g2p.dict'),
  [...g2p].flatMap(([w, prons]) => prons.map((p) => `${w} ${p}`)).join('\n') + '\n',
);
writeFileSync(
  join(out, 'general-english.txt'),
  '# The most frequent words of pocketsphinx-en-us en-us.lm.bin with their log10 unigram probability\n' +
    [...general].map(([w, p]) => `${w} ${Math.log10(p).toFixed(4)}`).join('\n') +
    '\n',
);

// 6. By ear: espeak-ng says each structure form holding a G2P word; the recogniser, listening for
//    the catalogue's forms only, must hear that form.
let check;
if (values.check) {
  const { names: sayable } = grammar.spokenStructureNames(dict);
  const forms = Object.values(sayable).flat();
  const jsgf = `#JSGF V1.0;\ngrammar names;\npublic <name> = ${forms.join(' | ')};\n`;
  const words = [...new Set(forms.flatMap((f) => f.split(' ')))];
  writeFileSync(join(work, 'names.gram'), jsgf);
  writeFileSync(
    join(work, 'names.dict'),
    words.map((w) => `${w} ${grammar.pronounce(w, dict)[0]}`).join('\n') + '\n',
  );
  const toCheck = forms.filter((f) => f.split(' ').some((w) => g2p.has(w)));
  const heardWrong = [];
  toCheck.forEach((form, n) => {
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', join(work, 'raw.wav'), form]);
    execFileSync('sox', [
      join(work, 'raw.wav'),
      '-r',
      '16000',
      '-c',
      '1',
      '-b',
      '16',
      join(work, `u${n}.wav`),
    ]);
    writeFileSync(join(work, 'u.ctl'), `u${n}\n`);
    spawnSync('pocketsphinx_batch', [
      ...['-adcin', 'yes', '-adchdr', '44', '-cepdir', work, '-cepext', '.wav', '-ctl', join(work, 'u.ctl')],
      ...['-hyp', join(work, 'u.hyp'), '-samprate', '16000', '-dither', 'yes', '-seed', '1'],
      ...[
        '-hmm',
        join(MODEL_DIR, 'en-us'),
        '-dict',
        join(work, 'names.dict'),
        '-jsgf',
        join(work, 'names.gram'),
      ],
      ...['-logfn', join(work, 'u.log')],
    ]);
    const heard = readFileSync(join(work, 'u.hyp'), 'utf8')
      .replace(/\s*\(.*$/s, '')
      .trim();
    if (heard !== form) heardWrong.push(`${form} → ${heard || '(nothing)'}`);
  });
  check = { forms: toCheck.length, heardRight: toCheck.length - heardWrong.length, heardWrong };
  console.log(`by ear: ${check.heardRight} of ${check.forms} G2P structure names heard as themselves`);
  heardWrong.forEach((l) => console.log(`  ${l}`));
}

const sha = (file) =>
  createHash('sha256')
    .update(readFileSync(join(out, file)))
    .digest('hex');
const { unspeakable } = grammar.spokenStructureNames(dict);
const report = {
  builtWith: 'node scripts/build-speech-lm.mjs' + (values.check ? ' --check' : ''),
  seed: Number(values.seed),
  sentences: built.sentences,
  phrasingPatterns: (await server.load('/src/main/services/speech/lm/phrasings.ts')).trainingPhrasings.length,
  generalEnglish: { source: 'pocketsphinx-en-us en-us.lm.bin unigrams', words: general.size },
  corpusWeight: Number(values['corpus-weight']),
  vocabulary: built.vocabulary,
  ngrams: built.ngrams,
  g2pWords: g2pIpa,
  spokenVariants: variants,
  unspeakableStructures: unspeakable,
  ...(check ? { byEar: check } : {}),
  sha256: {
    'correction.lm': sha('correction.lm'),
    'correction.dict': sha('correction.dict'),
    'g2p.dict': sha('g2p.dict'),
  },
};
// Formatted as the repository's Prettier check wants it.
writeFileSync(join(out, 'build.json'), await prettier.format(JSON.stringify(report), { parser: 'json' }));
console.log(
  `correction.lm: ${report.vocabulary} words, n-grams ${report.ngrams.join('/')}, from ${report.sentences} sentences; ` +
    `${missing.length} words by G2P; unspeakable: ${unspeakable.length ? unspeakable.join(', ') : 'none'}`,
);
await server.close();
rmSync(work, { recursive: true, force: true });
