// Pronunciations for words cmudict lacks (iliopsoas, autochthon, undersegmented…): espeak-ng's
// grapheme-to-phoneme rules, read as IPA (`espeak-ng -q --ipa -v en-us WORD`), mapped onto the
// ARPAbet phones of PocketSphinx's US English acoustic model. The words that carry a command's
// meaning (structure names, sides, units) also get espeak-ng's US and British pronunciations as
// variants where cmudict's differ ("gallbladder" with the vowel of "gal", "aorta" as "ay-or-ta"):
// cmudict lists one accent's habits, and a structure said another way was heard as another word.
// Pure: IPA in, phones out; running espeak-ng is the build script's job.

/** IPA symbols (longest first when matched) → ARPAbet. Stress and length marks are dropped. */
const IPA_TO_ARPABET: [string, string][] = [
  // Diphthongs and r-coloured vowels before their parts.
  ['aɪə', 'AY ER'],
  ['aɪ', 'AY'],
  ['aʊ', 'AW'],
  ['eɪ', 'EY'],
  ['oʊ', 'OW'],
  ['əʊ', 'OW'],
  ['ɔɪ', 'OY'],
  ['ɪə', 'IY AH'],
  ['iə', 'IY AH'],
  ['eə', 'EH R'],
  ['ʊə', 'UH R'],
  ['ɑːɹ', 'AA R'],
  ['ɔːɹ', 'AO R'],
  ['ɜː', 'ER'],
  ['ɝ', 'ER'],
  ['ɚ', 'ER'],
  ['tʃ', 'CH'],
  ['dʒ', 'JH'],
  ['iː', 'IY'],
  ['i', 'IY'],
  ['ɪ', 'IH'],
  ['ᵻ', 'IH'],
  ['e', 'EH'],
  ['ɛ', 'EH'],
  ['æ', 'AE'],
  ['a', 'AE'],
  ['ɑː', 'AA'],
  ['ɑ', 'AA'],
  ['ɒ', 'AA'],
  ['ɔː', 'AO'],
  ['ɔ', 'AO'],
  ['o', 'OW'],
  ['ʊ', 'UH'],
  ['uː', 'UW'],
  ['u', 'UW'],
  ['ʌ', 'AH'],
  ['ə', 'AH'],
  ['ɐ', 'AH'],
  ['p', 'P'],
  ['b', 'B'],
  ['t', 'T'],
  ['d', 'D'],
  ['k', 'K'],
  ['ɡ', 'G'],
  ['g', 'G'],
  ['f', 'F'],
  ['v', 'V'],
  ['θ', 'TH'],
  ['ð', 'DH'],
  ['s', 'S'],
  ['z', 'Z'],
  ['ʃ', 'SH'],
  ['ʒ', 'ZH'],
  ['h', 'HH'],
  ['m', 'M'],
  ['n', 'N'],
  ['ŋ', 'NG'],
  ['l', 'L'],
  ['ɫ', 'L'],
  ['ɹ', 'R'],
  ['r', 'R'],
  ['w', 'W'],
  ['j', 'Y'],
  // The American flap is a quick T (or D); the model has neither flap nor glottal stop.
  ['ɾ', 'T'],
  ['ʔ', 'T'],
  ['x', 'K'],
];

/** Marks that carry no phone of their own: stress, length, syllable breaks, tie bars, syllabicity. */
const IGNORED = new Set(['ˈ', 'ˌ', 'ː', '.', '‿', '-', '\u0329', '\u032f', '\u0361']);

/** "ˌɪlɪəpsˈoʊəz" → "IH L IH AH P S OW AH Z"; throws on a symbol it cannot map. */
export function ipaToArpabet(ipa: string): string {
  const phones: string[] = [];
  const text = ipa.normalize('NFD').replace(/\s+/g, '');
  for (let at = 0; at < text.length;) {
    if (IGNORED.has(text[at])) {
      // A length mark belongs to the vowel before it, which was matched with or without it.
      at += 1;
      continue;
    }
    const match = IPA_TO_ARPABET.find(([symbol]) => text.startsWith(symbol, at));
    if (!match) throw new Error(`no ARPAbet phone for "${text[at]}" in /${ipa}/`);
    phones.push(...match[1].split(' '));
    at += match[0].length;
  }
  if (phones.length === 0) throw new Error(`no phones in /${ipa}/`);
  return phones.join(' ');
}

/**
 * Spoken variants of a word cmudict knows: the `candidates` (espeak-ng's, per accent) it does not
 * already list. A candidate far shorter or longer than cmudict's first pronunciation is a misreading
 * (an abbreviation read as a word, "ivc" as "ivk") and is left out.
 */
export function pronunciationVariants(known: readonly string[], candidates: readonly string[]): string[] {
  const length = (p: string) => p.split(' ').length;
  const out: string[] = [];
  for (const candidate of candidates) {
    if (known.includes(candidate) || out.includes(candidate)) continue;
    if (known.length > 0 && Math.abs(length(candidate) - length(known[0])) > 2) continue;
    out.push(candidate);
  }
  return out;
}

/** Adds the pronunciations of `extra` (G2P words and variants) to `dict`, keeping its own first. */
export function addPronunciations(
  dict: Map<string, string[]>,
  extra: ReadonlyMap<string, readonly string[]>,
): Map<string, string[]> {
  for (const [word, prons] of extra) {
    const list = dict.get(word) ?? [];
    dict.set(word, [...list, ...prons.filter((p) => !list.includes(p))]);
  }
  return dict;
}
