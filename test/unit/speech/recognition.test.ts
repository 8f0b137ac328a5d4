import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { InterpretResult } from '../../../src/shared/intervention';
import {
  benchmarkContextWithCursor,
  interpretBuiltIn,
  scoreInterpretation,
} from '../../../src/main/services/intervention/index';
import {
  PocketSphinxEngine,
  SpeechCancelledError,
  commandToSpoken,
  parseHypothesis,
  spokenToCommand,
  wavToSpeechPcm,
} from '../../../src/main/services/speech/index';
import { transcribeCommand } from '../../../src/main/cli/transcribe';
import { requireData } from '../requireData';
import { speechTools, synthesise } from './helpers';

const asExpected = (r: InterpretResult) =>
  r.kind === 'intervention' ? { kind: r.kind, intervention: r.intervention } : { kind: r.kind };

it('reads the decoder hypothesis line', () => {
  expect(parseHypothesis('shrink the liver (utt -12345)\n')).toBe('shrink the liver');
  expect(parseHypothesis(' (utt 0)\n')).toBe('');
  expect(parseHypothesis('')).toBe('');
});

const languageModelDir = join(__dirname, '../../../resources/speech');

describe('PocketSphinx with the closed grammar on espeak-ng commands', () => {
  requireData(...speechTools);
  const dir = mkdtempSync(join(tmpdir(), 'speech-test-'));
  const engine = new PocketSphinxEngine({
    search: 'grammar',
    languageModelDir,
    workDir: join(dir, 'grammar'),
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const commands = [
    'remove the pancreas label below slice 40',
    'the liver is leaking into the stomach on these slices',
    'the spleen is 3 mm too big',
    'you missed the lower pole of the L kidney',
    'delete the stomach at the cursor',
  ];

  it.each(commands)('"%s": exact transcript, same interpretation as typed', async (typed) => {
    const spoken = commandToSpoken(typed);
    const { wav16 } = synthesise(dir, `c${commands.indexOf(typed)}`, spoken);
    const transcript = await engine.transcribe(new Uint8Array(readFileSync(wav16)), { name: wav16 });
    expect(transcript.text).toBe(spoken);
    expect(transcript.engine).toBe('pocketsphinx-grammar');
    expect(transcript.audioSeconds).toBeGreaterThan(1);
    const context = benchmarkContextWithCursor;
    const heard = interpretBuiltIn(spokenToCommand(transcript.text), context);
    expect(heard.kind).toBe('intervention');
    expect(scoreInterpretation(heard, asExpected(interpretBuiltIn(typed, context)))).toBe(true);
  });

  it("takes espeak-ng's own 22.05 kHz file and raw 16 kHz PCM alike", async () => {
    const spoken = 'shrink the liver near the stomach on these slices';
    const { raw, wav16 } = synthesise(dir, 'rates', spoken);
    const fromRaw = await engine.transcribe(new Uint8Array(readFileSync(raw)), { name: raw });
    expect(fromRaw.text).toBe(spoken);
    const fromPcm = await engine.transcribe(wavToSpeechPcm(new Uint8Array(readFileSync(wav16))));
    expect(fromPcm.text).toBe(spoken);
  });

  it('is cancelled by its signal', async () => {
    const { wav16 } = synthesise(dir, 'cancel', 'shrink the liver');
    const controller = new AbortController();
    const pending = engine.transcribe(new Uint8Array(readFileSync(wav16)), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(SpeechCancelledError);
  });

  it('causal-sam transcribe prints the transcript, and with --json the engine and timing', async () => {
    const { wav16 } = synthesise(dir, 'cli', 'shrink the liver by three millimetres');
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await transcribeCommand([wav16, '--engine', 'pocketsphinx-grammar'])).toBe(0);
      expect(log).toHaveBeenLastCalledWith('shrink the liver by three millimetres');
      expect(await transcribeCommand([wav16, '--json', '--engine', 'pocketsphinx-grammar'])).toBe(0);
      const json = JSON.parse(String(log.mock.calls.at(-1)?.[0]));
      expect(json).toMatchObject({
        file: wav16,
        engine: 'pocketsphinx-grammar',
        text: 'shrink the liver by three millimetres',
        command: 'shrink the liver by 3 millimetres',
      });
      expect(json.elapsedMs).toBeGreaterThan(0);
      // Listening only for the structures on screen: same words, smaller grammar.
      expect(json.hypotheses[0]).toMatchObject({ text: expect.any(String), confidence: expect.any(Number) });
      expect(
        await transcribeCommand([
          wav16,
          '--engine',
          'pocketsphinx-grammar',
          '--structures',
          'liver,stomach,spleen',
        ]),
      ).toBe(0);
      expect(log).toHaveBeenLastCalledWith('shrink the liver by three millimetres');
    } finally {
      log.mockRestore();
    }
  });

  it('causal-sam transcribe refuses a file that is not 16-bit PCM, naming it', async () => {
    const bad = join(dir, 'notes.wav');
    writeFileSync(bad, 'not audio');
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await transcribeCommand([bad])).toBe(1);
      expect(error).toHaveBeenCalledWith(expect.stringContaining(`${bad} is not a WAV file`));
      expect(await transcribeCommand([bad, '--engine', 'whisper'])).toBe(2);
      expect(await transcribeCommand([bad, '--structures', 'liver,wing'])).toBe(2);
      expect(error).toHaveBeenLastCalledWith(expect.stringContaining('not in the anatomy catalogue: wing'));
    } finally {
      error.mockRestore();
    }
  });
});

describe('PocketSphinx with the correction language model', () => {
  requireData(...speechTools);
  const dir = mkdtempSync(join(tmpdir(), 'speech-lm-test-'));
  const engine = new PocketSphinxEngine({ languageModelDir, workDir: join(dir, 'lm') });
  const onScreen = benchmarkContextWithCursor.visibleStructures;
  afterAll(async () => {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hears phrasings no grammar lists, with N-best confidences that add up to one', async () => {
    const said = 'please make the spleen smaller';
    const { wav16 } = synthesise(dir, 'lm-1', said);
    const transcript = await engine.transcribe(new Uint8Array(readFileSync(wav16)), { structures: onScreen });
    expect(transcript.engine).toBe('pocketsphinx');
    // "splenic" or "spleen": either names the spleen to the interpreter.
    const heard = interpretBuiltIn(spokenToCommand(transcript.text), benchmarkContextWithCursor);
    expect(heard).toMatchObject({
      kind: 'intervention',
      intervention: { action: 'shrink', target: 'spleen' },
    });
    const total = transcript.hypotheses!.reduce((s, h) => s + h.confidence, 0);
    expect(total).toBeCloseTo(1, 6);
    expect(transcript.confidence).toBeGreaterThan(0);
  }, 60_000);

  it('says what is missing when its model folder is not there, and what to do', async () => {
    const lost = new PocketSphinxEngine({ languageModelDir: join(dir, 'nowhere') });
    const availability = await lost.available();
    expect(availability.ok).toBe(false);
    if (!availability.ok) expect(availability.install).toMatch(/correction\.lm.*build-speech-lm/);
  });
});
