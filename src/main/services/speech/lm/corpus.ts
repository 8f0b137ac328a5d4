// The generated corpus the correction language model is counted from: the training phrasing
// patterns (phrasings.ts) filled with every catalogue structure's spoken forms (names, synonyms,
// side variants, vertebral levels; grammar.ts decides which forms the interpreter understands),
// numbers and units as they are said, slice references, hedges and fillers. Pure and seeded: the
// same seed gives the same corpus, so the committed model can be rebuilt byte for byte.
import { structures as catalogue, type Structure } from '../../../../shared/anatomy';
import { POSITION_WORDS } from '../grammar';
import { integerToWords } from '../normalise';
import {
  randomSentence,
  spokenStructureNames,
  type Expansion,
  type PronouncingDictionary,
  type Rules,
} from '../grammar';
import { nonCommands, trainingPhrasings } from './phrasings';

/** Parses one pattern in JSGF notation: words, <rule>, [optional], (a | b). */
export function parsePattern(pattern: string): Expansion {
  const tokens = pattern.match(/<[a-zA-Z]+>|[[\]()|]|[^\s[\]()|<>]+/g) ?? [];
  let at = 0;
  const sequence = (): Expansion => {
    const alternatives: Expansion[][] = [[]];
    while (at < tokens.length) {
      const t = tokens[at];
      if (t === ']' || t === ')') break;
      at += 1;
      if (t === '|') alternatives.push([]);
      else if (t === '[') {
        alternatives[alternatives.length - 1].push({ opt: sequence() });
        if (tokens[at++] !== ']') throw new Error(`unclosed [ in "${pattern}"`);
      } else if (t === '(') {
        alternatives[alternatives.length - 1].push(sequence());
        if (tokens[at++] !== ')') throw new Error(`unclosed ( in "${pattern}"`);
      } else if (t.startsWith('<')) alternatives[alternatives.length - 1].push({ ref: t.slice(1, -1) });
      else alternatives[alternatives.length - 1].push({ words: [t] });
    }
    const seqs = alternatives.map((parts): Expansion => (parts.length === 1 ? parts[0] : { seq: parts }));
    return seqs.length === 1 ? seqs[0] : { alt: seqs };
  };
  const parsed = sequence();
  if (at !== tokens.length) throw new Error(`unbalanced brackets in "${pattern}"`);
  return parsed;
}

const alt = (items: readonly string[]): Expansion => ({ alt: items.map(parsePattern) });
const range = (from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, n) => from + n * step);
const say = (ns: number[]) => ns.map(integerToWords);

/** A dictionary that pronounces every word: lists the forms the interpreter understands, sound unchecked. */
export class EveryWordDictionary extends Map<string, string[]> {
  override get(word: string): string[] {
    return [word];
  }
}

/**
 * The corpus rules: the training phrasings over the slot rules, naming `structures` (default: the
 * whole catalogue). `dict` decides which structure forms count as sayable (pass the dictionary the
 * recogniser will have, G2P entries included).
 */
export function corpusRules(
  dict: PronouncingDictionary,
  structures: readonly Structure[] = catalogue,
  phrasings = trainingPhrasings,
): Rules {
  const { names, pairs } = spokenStructureNames(dict, structures);
  // Every structure equally often, whatever its number of forms; pairs ("kidney") as one more.
  const structure: Expansion = {
    alt: [...Object.values(names), pairs].filter((f) => f.length > 0).map((forms) => alt(forms)),
  };
  const decimals = ['zero point five', 'one point five', 'two point five', 'zero point three'];
  return {
    command: { alt: phrasings.map(parsePattern) },
    s: structure,
    object: parsePattern(
      '[the] [<position> (pole | part | end | edge) of [the]] <s> [(label | segmentation | mask | contour | outline)]',
    ),
    neighbour: parsePattern('[the] <s>'),
    position: alt([...POSITION_WORDS, 'top', 'bottom']),
    opener: alt([
      'please',
      'could you [please]',
      'can you [please]',
      'would you [please]',
      'go ahead and',
      'just',
      'now',
      'okay [so]',
      'so',
      'um',
      'uh',
      'right',
      'actually',
      'i want to',
      'i would like to',
      "let's",
      'we need to',
      'you need to',
    ]),
    remark: alt([
      'okay',
      'so',
      'um',
      'uh',
      'i think',
      'i believe',
      'it looks like',
      'actually',
      'hmm',
      'now',
      'and',
      'also',
      'well',
    ]),
    grow: alt(['grow', 'enlarge', 'expand', 'extend', 'dilate', 'widen', 'add to', 'fill out']),
    shrink: alt(['shrink', 'reduce', 'erode', 'trim', 'tighten', 'contract', 'narrow', 'cut back']),
    remove: alt([
      'remove',
      'delete',
      'erase',
      'clear',
      'get rid of',
      'drop',
      'eliminate',
      'discard',
      'take out',
      'wipe',
    ]),
    amount: alt([
      'slightly',
      'a little',
      'a bit',
      'a little bit',
      'a tad',
      'a touch',
      'just a bit',
      'marginally',
      'moderately',
      'somewhat',
      'fairly',
      'a lot',
      'significantly',
      'substantially',
      'considerably',
      'markedly',
      'much',
    ]),
    mm: alt([...say(range(1, 30)), ...decimals]),
    percent: alt(say([...range(1, 20), ...range(25, 90, 5)])),
    cm: alt(['one', 'two', 'three', ...decimals]),
    size: parsePattern(
      '(<mm> (millimetres | millimetre) | <percent> percent | <cm> (centimetres | centimetre) | <mm> (voxels | pixels))',
    ),
    magnitude: parsePattern('([by | about | around | roughly | another] <size> | <amount>)'),
    slice: alt(say(range(1, 300))),
    where: alt([
      '[on | in | across | over] (these | those | the current | the visible | adjacent | neighbouring) (slices | images | levels)',
      '[on | in | at] (this | the current) (slice | image | level)',
      '[right | just | around] here',
      '(at | near) the cursor',
      'where i clicked',
      'at this (spot | point | location)',
      '(above | below | under | superior to | inferior to) (this slice | this level | [the] (slice | image) <slice>)',
      '(on | at | from) (slice | image) <slice> [to <slice>]',
      'on slices <slice> to <slice>',
      'from here (up | down | upwards | downwards)',
    ]),
    near: alt([
      '(near | next to | towards | along | into | close to | against | beside) <neighbour>',
      'at the <s> (border | boundary | edge)',
    ]),
    toobig: alt([
      'too (big | large | fat | wide | thick | generous | loose)',
      '(way | much | far | a bit | a little) too (big | large)',
      'oversized',
      'bigger than it should be',
    ]),
    toosmall: alt([
      'too (small | thin | narrow | tight)',
      '(way | much | far | a bit | a little) too small',
      'not big enough',
      'undersized',
      'smaller than it should be',
    ]),
    leaks: alt([
      '(is leaking | leaks | is bleeding | bleeds | is spilling | spills | is extending | extends | is creeping | creeps | is growing | grows) (into | onto) ',
      '(is eating into | encroaches on | is encroaching on | crosses into | runs into | overflows into | protrudes into | sticks out into)',
    ]),
    nonCommand: alt(nonCommands),
  };
}

/** `count` sentences of the corpus, drawn with `random` (numbers in [0, 1)); words separated by single spaces. */
export function generateCorpus(rules: Rules, count: number, random: () => number): string[] {
  const out: string[] = [];
  for (let n = 0; n < count; n++) out.push(randomSentence(rules, random).replace(/\s+/g, ' ').trim());
  return out;
}

/** Park–Miller: a small deterministic generator, so a seed names a corpus. */
export function seededRandom(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => (state = (state * 16807) % 2147483647) / 2147483647;
}
