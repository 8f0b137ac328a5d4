// The spoken-command grammar: what a push-to-talk correction may say, as JSGF for a grammar-
// constrained recogniser. A free language model hears medical commands badly; a grammar that only
// holds what the built-in interpreter understands turns recognition into picking the closest
// command, and every transcript it can produce is one the interpreter answers with an intervention
// or a question — never with "I cannot read that".
//
// Pure: the pronouncing dictionary comes in as data (pocketsphinx.ts reads it from disk). Structure
// names come from the anatomy catalogue; each spoken form is kept only if every word can be
// pronounced and the interpreter resolves it to that structure (or, for a pair such as "kidney",
// asks which one). The sentence frames are the interpreter's vocabulary: its action cues, region
// words, slice references and magnitudes (services/intervention/builtin.ts).
import { structures as catalogue, type Structure } from '../../../shared/anatomy';
import { displayName, type ViewContext } from '../../../shared/intervention';
import { interpretBuiltIn } from '../intervention/index';
import { commandToSpoken, integerToWords, spokenToCommand } from './normalise';

/** A grammar expression: words, a rule reference, a sequence, alternatives or an optional part. */
export type Expansion =
  { words: string[] } | { ref: string } | { seq: Expansion[] } | { alt: Expansion[] } | { opt: Expansion };

export type Rules = Record<string, Expansion>;

/** word → pronunciations (ARPAbet phones, space separated), as in cmudict-en-us.dict. */
export type PronouncingDictionary = ReadonlyMap<string, readonly string[]>;

export interface CommandGrammar {
  /** The JSGF text; the public rule is <command>. */
  jsgf: string;
  rules: Rules;
  /** Every word the grammar can emit. */
  words: string[];
  /** Dictionary lines for exactly those words (including compounds assembled from two entries). */
  dictionary: string;
  /** Spoken forms per catalogue name. */
  spokenNames: Record<string, string[]>;
  /** Forms naming a left/right pair ("kidney", "kidneys"): the interpreter asks which one. */
  pairNames: string[];
  /** Catalogue names with no form the recogniser can pronounce (said instead by a general engine). */
  unspeakable: string[];
}

const w = (text: string): Expansion => ({ words: text.split(' ') });
const ref = (name: string): Expansion => ({ ref: name });
const seq = (...parts: (Expansion | string)[]): Expansion => ({
  seq: parts.map((p) => (typeof p === 'string' ? w(p) : p)),
});
const alt = (...parts: (Expansion | string)[]): Expansion => ({
  alt: parts.map((p) => (typeof p === 'string' ? w(p) : p)),
});
const opt = (part: Expansion | string): Expansion => ({ opt: typeof part === 'string' ? w(part) : part });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, n) => from + n);

/** Reads cmudict-en-us.dict: "word PH ONES", alternates as "word(2) …". */
export function parseDictionary(text: string): Map<string, string[]> {
  const dict = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([^\s(]+)(?:\(\d+\))?\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    const list = dict.get(m[1]) ?? [];
    list.push(m[2]);
    dict.set(m[1], list);
  }
  return dict;
}

/**
 * Pronunciations of a word: the dictionary's, else those of a compound of two dictionary words
 * ("oversegmented" = "over" + "segmented"), else none — and a word without one is never emitted.
 */
export function pronounce(word: string, dict: PronouncingDictionary): readonly string[] {
  const known = dict.get(word);
  if (known) return known;
  for (let cut = 3; cut <= word.length - 3; cut++) {
    const [a, b] = [dict.get(word.slice(0, cut)), dict.get(word.slice(cut))];
    if (a && b) return [`${a[0]} ${b[0]}`];
  }
  return [];
}

/** Every structure visible, so that a phrase resolves to its structure or asks among a pair. */
const everything: ViewContext = {
  visibleStructures: catalogue.map((s) => s.name),
  currentSlice: 0,
  sliceCount: 1000,
  superiorIsIncreasingK: true,
};

/** "vertebrae_L1" → "vertebrae l one": levels and rib numbers as they are said. */
function sayTokens(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .replace(
      /\b([ctls])(\d{1,2})\b/g,
      (_m, letter: string, n: string) => `${letter} ${integerToWords(Number(n))}`,
    )
    .replace(/\b\d+\b/g, (n) => integerToWords(Number(n)))
    .trim();
}

/** Candidate spoken forms of one structure, before the dictionary and interpreter checks. */
function candidateForms(s: Structure): { form: string; group: boolean }[] {
  const forms: { form: string; group: boolean }[] = [];
  // Synonyms are typed ("gb", "ivc"); commandToSpoken says them in full first.
  const add = (text: string, group = false) => forms.push({ form: sayTokens(commandToSpoken(text)), group });
  add(displayName(s.name));
  add(s.name.replace(/_/g, ' '));
  for (const synonym of s.synonyms) add(synonym);
  if (s.name.startsWith('vertebrae_')) add(`vertebra ${s.name.slice('vertebrae_'.length)}`);
  // A pair named without its side ("the kidney", "the kidneys") makes the interpreter ask which.
  const words = s.name.split('_');
  const base = words.filter((x) => x !== 'left' && x !== 'right');
  if (base.length < words.length && base.length > 0 && !/\d/.test(base.join(''))) {
    add(base.join(' '), true);
    // Plurals as the interpreter forms them: an "s" unless the word already ends in one.
    if (!base[base.length - 1].endsWith('s')) add(`${base.join(' ')}s`, true);
  }
  return forms;
}

function pronounceable(form: string, dict: PronouncingDictionary): boolean {
  // A lone letter is only said for a vertebral level ("l one"); "r kidney" is typed, never spoken.
  const tokens = form.split(' ');
  const numberWord = /^(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)$/;
  return tokens.every(
    (t, n) =>
      pronounce(t, dict).length > 0 &&
      (t.length > 1 || (/^[ctls]$/.test(t) && numberWord.test(tokens[n + 1] ?? ''))),
  );
}

/** Forms the interpreter reads as this structure (or, for a pair, asks about). */
function understood(form: string, s: Structure, group: boolean): boolean {
  const result = interpretBuiltIn(`shrink the ${spokenToCommand(form)}`, everything);
  if (group) return result.kind === 'clarify';
  return result.kind === 'intervention' && result.intervention.target === s.name;
}

/** Spoken forms per structure: pronounceable, understood, one spelling per pronunciation. */
export function spokenStructureNames(
  dict: PronouncingDictionary,
  structures: readonly Structure[] = catalogue,
): { names: Record<string, string[]>; pairs: string[]; unspeakable: string[] } {
  const names: Record<string, string[]> = {};
  const pairs: string[] = [];
  const unspeakable: string[] = [];
  // Homophones ("gallbladder", "gall bladder") would make the recogniser pick a spelling by chance.
  const sounds = new Set<string>();
  for (const s of structures) {
    const kept: string[] = [];
    for (const { form, group } of candidateForms(s)) {
      if (!form || !pronounceable(form, dict)) continue;
      const sound = form
        .split(' ')
        .map((t) => pronounce(t, dict)[0])
        .join(' ');
      if (sounds.has(sound) || !understood(form, s, group)) continue;
      sounds.add(sound);
      (group ? pairs : kept).push(form);
    }
    if (kept.length > 0) names[s.name] = kept;
    else unspeakable.push(s.name);
  }
  return { names, pairs, unspeakable };
}

/** The words that name part of a structure ("the upper pole", "the medial part"). */
export const POSITION_WORDS = [
  'upper',
  'lower',
  'superior',
  'inferior',
  'anterior',
  'posterior',
  'medial',
  'lateral',
] as const;

/** The sentence frames, over <structure> and the number rules. */
function commandRules(structureForms: string[]): Rules {
  const units = range(1, 9).map(integerToWords);
  const n1to19 = range(1, 19).map(integerToWords);
  const decimal = seq(alt('zero', 'one', 'two'), 'point', alt(...units));
  const position = alt(...POSITION_WORDS);
  return {
    // One reference per place a structure can be named: the recogniser's network holds a copy of
    // <structure> per reference, and its size is what recognition time grows with.
    command: seq(
      opt('please'),
      alt(
        seq(opt(ref('where')), alt(ref('imperative'), ref('statement'))),
        ref('missed'),
        ref('relabel'),
        seq(ref('pieceOf'), 'is wrong', opt('remove it')),
      ),
    ),
    structure: alt(...structureForms),
    label: alt('label', 'segmentation', 'mask', 'contour'),
    // "the liver label", "the lower pole of the left kidney", "the top of the liver".
    object: seq(
      opt('the'),
      opt(seq(alt(seq(ref('position'), alt('pole', 'part')), 'top', 'bottom'), 'of', opt('the'))),
      ref('structure'),
      opt(ref('label')),
    ),
    // Pieces of a structure away from its main body ("the stray pancreas blob", "this blob").
    pieceWord: alt('blob', 'island', 'fragment', 'piece', 'bit'),
    pieceAdjective: alt('stray', 'isolated', 'separate', 'small'),
    piece: seq(
      alt('the', 'this'),
      opt(ref('pieceAdjective')),
      opt(ref('structure')),
      alt(ref('pieceWord'), 'label'),
      opt('under the cursor'),
    ),
    pieceOf: seq(
      alt('the', 'this'),
      opt(ref('pieceAdjective')),
      ref('pieceWord'),
      'of',
      ref('structure'),
      opt('away from the organ'),
    ),
    // "this is pancreas, not liver", "take the right kidney label out of the left kidney".
    relabel: alt(
      seq('this', opt('part'), 'is', ref('structure'), 'not', ref('neighbour'), opt(ref('where'))),
      seq('this is not', ref('structure'), 'it is', ref('neighbour')),
      seq('relabel', ref('object'), 'as', ref('neighbour'), opt(ref('where'))),
      seq('take', ref('object'), 'out of', ref('neighbour'), opt(ref('where'))),
    ),
    neighbour: seq(opt('the'), ref('structure')),
    units: alt(...units),
    // Slice numbers as the viewer shows them (1-based); a number past the series makes the
    // interpreter ask, so the grammar does not need the series length.
    belowHundred: alt(
      ...n1to19,
      seq(
        alt('twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'),
        opt(ref('units')),
      ),
    ),
    sliceNumber: alt(
      ref('belowHundred'),
      seq(ref('units'), 'hundred', opt(seq(opt('and'), ref('belowHundred')))),
    ),
    // Magnitudes stay within what a correction may do (30 mm, 90 %), so none is refused for size.
    millimetres: alt(...n1to19, seq('twenty', opt(ref('units'))), 'thirty', decimal),
    centimetres: alt('one', 'two', 'three', decimal),
    percent: alt(
      ...n1to19,
      seq(alt('twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty'), opt(ref('units'))),
      'ninety',
    ),
    // One spelling per unit: "millimetre" and "millimetres" differ by a faint final s, and a
    // recogniser that picks between them adds errors without changing the meaning.
    size: alt(
      seq(ref('millimetres'), 'millimetres'),
      seq(ref('centimetres'), 'centimetres'),
      seq(ref('percent'), 'percent'),
    ),
    amount: alt('slightly', 'a little', 'a bit', 'moderately', 'a lot', 'significantly', 'markedly'),
    // The unit is required: a unit swallowed by noise would otherwise turn "by three millimetres"
    // into "by three", which the interpreter must ask about.
    magnitude: alt(seq(opt('by'), ref('size')), ref('amount')),
    thisSlice: alt('this slice', 'the current slice', 'this level'),
    where: alt(
      seq(alt('on', 'in'), 'these slices'),
      seq(opt(alt('right', 'just')), 'here'),
      'at the cursor',
      seq('on', ref('thisSlice')),
      seq(
        alt('above', 'below', 'under', 'superior to', 'inferior to'),
        alt(ref('thisSlice'), seq(alt('slice', 'image'), ref('sliceNumber'))),
      ),
      seq(alt('from slice', 'slices', 'on slice'), ref('sliceNumber'), opt(seq('to', ref('sliceNumber')))),
      seq('from here', alt('up', 'down')),
    ),
    near: seq(alt('near', 'into', 'towards', 'next to', 'along'), ref('neighbour')),
    position,
    verb: alt(
      'shrink',
      'reduce',
      'erode',
      'trim',
      'tighten',
      'grow',
      'enlarge',
      'expand',
      'extend',
      'dilate',
      'remove',
      'delete',
      'erase',
      'get rid of',
      'fix',
    ),
    imperative: alt(
      seq(
        ref('verb'),
        ref('object'),
        opt(ref('magnitude')),
        opt(seq('at its', ref('position'), 'pole')),
        opt(ref('near')),
        opt(ref('where')),
      ),
      seq(alt('shrink', 'grow'), ref('magnitude')),
      seq(alt('remove', 'delete', 'get rid of'), alt(ref('piece'), ref('pieceOf')), opt(ref('where'))),
      seq('pull', ref('object'), 'in', opt(ref('magnitude')), opt(ref('where'))),
      seq(
        'make',
        ref('object'),
        alt('smaller', 'bigger', 'larger'),
        opt(ref('magnitude')),
        opt(ref('where')),
      ),
      seq('exclude', ref('neighbour'), 'from', ref('object'), opt(ref('where'))),
      seq('no', ref('structure'), ref('where')),
    ),
    // "the kidney on the left", "the liver and the spleen" (one at a time: the interpreter asks).
    subject: seq(ref('object'), opt(alt(seq('on the', alt('left', 'right')), seq('and', ref('neighbour'))))),
    state: alt(
      seq(alt('is', 'are'), opt(ref('size')), alt('too big', 'too large', 'too small')),
      // Reports are terse: "gallbladder oversegmented".
      seq(opt(alt('is', 'are')), opt(ref('amount')), alt('oversegmented', 'undersegmented')),
      seq(alt('is', 'are'), alt('missing', 'cut off', 'not included')),
      // A pole that goes on beyond the mask's end.
      seq('is cut off at the', alt('top', 'bottom')),
      seq(alt(seq('continues', alt('up', 'down')), seq('goes further', alt('up', 'down'))), opt('add it')),
      seq('ends too', alt('high', 'low')),
      seq('is missing its', ref('position'), 'pole'),
      seq(
        alt(
          seq(
            alt('is leaking', 'is spilling', 'is bleeding', 'leaks', 'spills', 'bleeds'),
            alt('into', 'onto'),
          ),
          'overlaps',
          'includes part of',
          'does not reach',
          'misses the part next to',
        ),
        ref('neighbour'),
      ),
      seq('should be', ref('size'), alt('bigger', 'smaller', 'larger')),
      seq('is', alt('bigger', 'smaller'), 'than it should be'),
      'should not be',
    ),
    statement: seq(ref('subject'), ref('state'), opt(ref('where'))),
    missed: alt(
      seq('you missed', ref('object'), opt(ref('where'))),
      seq(
        ref('structure'),
        alt(
          seq(ref('position'), 'pole', alt('is missing', 'not included')),
          seq('the', alt('bottom', 'top', 'upper', 'lower'), 'part is cut off'),
        ),
      ),
    ),
  };
}

function toJsgf(e: Expansion): string {
  if ('words' in e) return e.words.join(' ');
  if ('ref' in e) return `<${e.ref}>`;
  if ('opt' in e) return `[${toJsgf(e.opt)}]`;
  if ('seq' in e) return e.seq.map(toJsgf).join(' ');
  return `(${e.alt.map(toJsgf).join(' | ')})`;
}

function collectWords(e: Expansion, into: Set<string>): void {
  if ('words' in e) e.words.forEach((x) => into.add(x));
  else if ('opt' in e) collectWords(e.opt, into);
  else if ('seq' in e) e.seq.forEach((x) => collectWords(x, into));
  else if ('alt' in e) e.alt.forEach((x) => collectWords(x, into));
}

/** Builds the grammar and its dictionary; throws if a frame word cannot be pronounced. */
export function buildCommandGrammar(
  dict: PronouncingDictionary,
  structures: readonly Structure[] = catalogue,
): CommandGrammar {
  const { names, pairs, unspeakable } = spokenStructureNames(dict, structures);
  const rules = commandRules([...Object.values(names).flat(), ...pairs]);
  const words = new Set<string>();
  for (const e of Object.values(rules)) collectWords(e, words);
  const lines: string[] = [];
  for (const word of [...words].sort()) {
    const prons = pronounce(word, dict);
    if (prons.length === 0)
      throw new Error(`the command grammar uses "${word}", which the dictionary cannot pronounce`);
    prons.forEach((p, n) => lines.push(`${n === 0 ? word : `${word}(${n + 1})`} ${p}`));
  }
  const body = Object.entries(rules).map(
    ([name, e]) => `${name === 'command' ? 'public ' : ''}<${name}> = ${toJsgf(e)};`,
  );
  return {
    jsgf: ['#JSGF V1.0;', 'grammar correction;', ...body, ''].join('\n'),
    rules,
    words: [...words].sort(),
    dictionary: lines.join('\n') + '\n',
    spokenNames: names,
    pairNames: pairs,
    unspeakable,
  };
}

/** One random sentence of the grammar (for tests): `random` returns numbers in [0, 1). */
export function randomSentence(rules: Rules, random: () => number, start = 'command'): string {
  const out: string[] = [];
  const walk = (e: Expansion) => {
    if ('words' in e) out.push(...e.words);
    else if ('ref' in e) walk(rules[e.ref]);
    else if ('opt' in e) {
      if (random() < 0.5) walk(e.opt);
    } else if ('seq' in e) e.seq.forEach(walk);
    else walk(e.alt[Math.floor(random() * e.alt.length)]);
  };
  walk(rules[start]);
  return out.join(' ');
}

/** Whether the grammar can say `sentence` (words separated by spaces), from rule `start`. */
export function grammarAccepts(rules: Rules, sentence: string, start = 'command'): boolean {
  const tokens = sentence.split(/\s+/).filter(Boolean);
  // The positions reachable after matching `e` from each position in `from`.
  const step = (e: Expansion, from: Set<number>): Set<number> => {
    if ('words' in e) {
      const out = new Set<number>();
      for (const at of from) if (e.words.every((x, n) => tokens[at + n] === x)) out.add(at + e.words.length);
      return out;
    }
    if ('ref' in e) return step(rules[e.ref], from);
    if ('opt' in e) return new Set([...from, ...step(e.opt, from)]);
    if ('seq' in e)
      return e.seq.reduce((positions, part) => (positions.size ? step(part, positions) : positions), from);
    const out = new Set<number>();
    for (const part of e.alt) for (const at of step(part, from)) out.add(at);
    return out;
  };
  return step(rules[start], new Set([0])).has(tokens.length);
}
