// The words the built-in interpreter knows: structure phrases from the anatomy catalogue (names,
// synonyms and generated side variants), and number words. Pure data built once at import.
import { structures } from '../../../shared/anatomy';

/** A phrase names one structure, or a group (a left/right pair, a plural) that needs resolving. */
export interface StructurePhrase {
  tokens: string[];
  candidates: string[];
  /** Side written in the phrase itself ("left kidney"), so a free side word is not its side. */
  sided: boolean;
}

const SIDE_WORDS: Record<'left' | 'right', string[]> = {
  left: ['left', 'l', 'lt', 'left sided'],
  right: ['right', 'r', 'rt', 'right sided'],
};

/** Aliases radiologists type that the catalogue does not list (it is shared; we do not edit it). */
const EXTRA_ALIASES: Record<string, string[]> = {
  superior_vena_cava: ['svc'],
  inferior_vena_cava: ['cava'],
  urinary_bladder: ['urinary bladder'],
  gallbladder: ['gall bladder', 'gallbladder'],
  small_bowel: ['bowel loops'],
  portal_vein_and_splenic_vein: ['portal vein', 'splenic vein', 'portosplenic vein'],
  lesion: ['tumor', 'tumour', 'lesion', 'mass'],
};

export function normalisePhrase(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

function buildPhrases(): StructurePhrase[] {
  const table = new Map<string, { candidates: Set<string>; sided: boolean }>();
  const add = (words: string[], name: string, sided: boolean) => {
    if (words.length === 0) return;
    const key = words.join(' ');
    const entry = table.get(key) ?? { candidates: new Set<string>(), sided };
    entry.candidates.add(name);
    entry.sided = entry.sided && sided;
    table.set(key, entry);
  };
  const addWithPlural = (words: string[], name: string, sided: boolean) => {
    add(words, name, sided);
    const last = words[words.length - 1];
    // Plurals name every member ("kidneys"): a group, resolved (or questioned) later.
    if (/[a-z]$/.test(last) && !last.endsWith('s')) add([...words.slice(0, -1), `${last}s`], name, sided);
  };
  for (const s of structures) {
    const words = normalisePhrase(s.name.replace(/_/g, ' '));
    const side = words.find((w): w is 'left' | 'right' => w === 'left' || w === 'right');
    addWithPlural(words, s.name, Boolean(side));
    for (const synonym of [...s.synonyms, ...(EXTRA_ALIASES[s.name] ?? [])]) {
      // Two-letter synonyms ("gb", "wm") stay; one-letter ones would match everything.
      const syn = normalisePhrase(synonym);
      if (syn.join('').length >= 2) addWithPlural(syn, s.name, Boolean(side));
    }
    if (s.name.startsWith('vertebrae_')) {
      const level = s.name.slice('vertebrae_'.length).toLowerCase();
      for (const v of [[level], ['vertebra', level], [level, 'vertebra'], [level, 'vertebral', 'body']]) {
        add(v, s.name, false);
      }
    }
    if (side) {
      const base = words.filter((w) => w !== side);
      if (base.length === 0) continue;
      addWithPlural(base, s.name, false);
      for (const sideWord of SIDE_WORDS[side]) {
        const sw = sideWord.split(' ');
        addWithPlural([...sw, ...base], s.name, true);
        add([...base, ...sw], s.name, true);
      }
    }
  }
  // "adrenal" alone for both adrenal glands; "lung" for the lobes.
  for (const s of structures) {
    if (s.name.startsWith('adrenal_gland_')) {
      const side = s.name.endsWith('left') ? 'left' : 'right';
      addWithPlural(['adrenal'], s.name, false);
      for (const sw of SIDE_WORDS[side]) addWithPlural([...sw.split(' '), 'adrenal'], s.name, true);
    }
    if (s.name.startsWith('lung_')) {
      const side = s.name.endsWith('left') ? 'left' : 'right';
      addWithPlural(['lung'], s.name, false);
      for (const sw of SIDE_WORDS[side]) addWithPlural([...sw.split(' '), 'lung'], s.name, true);
    }
  }
  return [...table.entries()]
    .map(([key, e]) => ({ tokens: key.split(' '), candidates: [...e.candidates], sided: e.sided }))
    .sort((a, b) => b.tokens.length - a.tokens.length);
}

/** Longest phrases first, so "splenic vein" wins over "splenic" and "left kidney" over "kidney". */
export const structurePhrases: readonly StructurePhrase[] = buildPhrases();

const byFirstToken = new Map<string, StructurePhrase[]>();
for (const p of structurePhrases) {
  const list = byFirstToken.get(p.tokens[0]) ?? [];
  list.push(p);
  byFirstToken.set(p.tokens[0], list);
}

/** The longest structure phrase starting at tokens[at], if any. */
export function matchStructureAt(tokens: readonly string[], at: number): StructurePhrase | undefined {
  for (const p of byFirstToken.get(tokens[at]) ?? []) {
    if (p.tokens.every((t, n) => tokens[at + n] === t)) return p;
  }
  return undefined;
}

const UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

/**
 * Replaces number words with digits: "three millimetres" → "3 millimetres", "twenty five" → "25",
 * "a couple of" → "2", "half a" → "0.5", "one and a half" → "1.5".
 */
export function numbersToDigits(text: string): string {
  const word = `(?:${[...Object.keys(TENS), ...Object.keys(UNITS)].join('|')})`;
  return text
    .replace(/\ba couple of\b/g, '2')
    .replace(new RegExp(`\\b(${word})(?:[ -](${word}))? and a half\\b`, 'g'), (_m, a: string, b?: string) =>
      String(wordValue(a, b) + 0.5),
    )
    .replace(/\bhalf an? /g, '0.5 ')
    .replace(new RegExp(`\\b(${word})(?:[ -](${word}))?\\b`, 'g'), (m, a: string, b?: string) => {
      const v = wordValue(a, b);
      if (!Number.isNaN(v)) return String(v);
      // Two number words that are not one number ("one two"): each on its own.
      return b === undefined ? m : `${wordValue(a)} ${wordValue(b)}`;
    });
}

function wordValue(a: string, b?: string): number {
  if (b === undefined) return TENS[a] ?? UNITS[a];
  // "twenty five" is 25; "five twenty" is not a number we read.
  if (TENS[a] !== undefined && UNITS[b] !== undefined && UNITS[b] < 10) return TENS[a] + UNITS[b];
  return NaN;
}
