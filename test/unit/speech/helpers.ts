// What the speech tests share: whether the Debian tools are here, and espeak-ng + sox synthesis.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { POCKETSPHINX_MODEL_DIR } from '../../../src/main/services/speech/index';
import { debianFile, program } from '../requireData';

export const dictionaryPath = join(POCKETSPHINX_MODEL_DIR, 'cmudict-en-us.dict');

export const pocketSphinxDictionary = debianFile(dictionaryPath, 'pocketsphinx-en-us');
/** PocketSphinx to recognise, espeak-ng and sox to say the test commands. */
export const speechTools = [
  pocketSphinxDictionary,
  program('pocketsphinx_batch', 'pocketsphinx'),
  program('espeak-ng', 'espeak-ng'),
  program('sox', 'sox'),
];

/** Says `text` with espeak-ng into `dir`; returns espeak's own WAV (22.05 kHz) and a 16 kHz copy. */
export function synthesise(dir: string, name: string, text: string, voice = 'en-us', speed = 150) {
  const raw = join(dir, `${name}.raw.wav`);
  const wav16 = join(dir, `${name}.wav`);
  execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', raw, text]);
  execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', wav16]);
  return { raw, wav16 };
}

/** A small deterministic generator (Park–Miller), so a failing random sentence can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 16807) % 2147483647) / 2147483647;
}
