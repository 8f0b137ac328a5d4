// Pronunciations for words cmudict lacks (iliopsoas, autochthon, undersegmented…): espeak-ng's
// grapheme-to-phoneme rules, read as IPA (`espeak-ng -q --ipa -v en-us WORD`), mapped onto the
// ARPAbet phones of PocketSphinx's US English acoustic model. Pure: IPA in, phones out; running
// espeak-ng is the build script's job.

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
