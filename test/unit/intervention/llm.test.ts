// The LLM path end to end with a real (tiny, nonsensical) GGUF: stories260K writes children's
// stories, so its answers are judged only for shape — valid schema output, or a reported fallback.
// Generations are kept few and short: two busy cores. threads: 1 because llama.cpp's worker threads
// spin-wait for each other; on cores shared with a training run two threads were ~50x slower than one.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type GbnfJsonSchema } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interpretResultSchema, llmAnswerSchema } from '../../../src/shared/intervention';
import {
  InterventionInterpreter,
  LlmFailure,
  LlmInterpreter,
  LlmUnavailableError,
  benchmarkContext,
  findLlmManifests,
  llmAnswerGrammarSchema,
  sha256OfFile,
  verifyLlmManifest,
} from '../../../src/main/services/intervention';
import {
  toGrammarSchema,
  llmAnswerJsonSchema,
  stripNulls,
  toGrammarJson,
} from '../../../src/main/services/intervention/grammarSchema';
import { promptExamples } from '../../../src/main/services/intervention/prompt';
import { requireData, sharedFile } from '../requireData';

const GGUF = join(import.meta.dirname, '../../../../shared/data/gguf/stories260K.gguf');
const GGUF_SHA256 = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d';
const COMMAND = 'the liver is leaking into the stomach on these slices';

let root: string;
let manifestPath: string;

function writeManifest(id: string, overrides: Record<string, unknown> = {}): string {
  const dir = join(root, 'llm', id);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'stories260K.gguf'))) copyFileSync(GGUF, join(dir, 'stories260K.gguf'));
  const manifest = {
    schemaVersion: 1,
    id,
    name: 'stories260K (plumbing test only)',
    file: { path: 'stories260K.gguf', sha256: GGUF_SHA256, bytes: statSync(GGUF).size },
    licence: 'MIT',
    contextSize: 2048,
    ...overrides,
  };
  const path = join(dir, 'manifest.json');
  writeFileSync(path, JSON.stringify(manifest, null, 2));
  return path;
}

const timings: Record<string, number> = {};
/** What the story model actually said, printed for the record. */
const outcomes: string[] = [];

describe('LLM interpreter (node-llama-cpp, stories260K.gguf)', () => {
  requireData(sharedFile(GGUF));
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'intervention-llm-'));
    manifestPath = writeManifest('stories260k');
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    console.log('LLM timings (ms):', JSON.stringify(timings));
    console.log('LLM outcomes:', outcomes.join('\n'));
  });

  it('derives a grammar node-llama-cpp accepts, and the examples parse under it', async () => {
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
    try {
      const grammar = await llama.createGrammarForJsonSchema<GbnfJsonSchema>(
        llmAnswerGrammarSchema(benchmarkContext.visibleStructures),
      );
      for (const example of promptExamples) {
        const parsed = grammar.parse(toGrammarJson(example.answer));
        expect(llmAnswerSchema.parse(stripNulls(parsed))).toEqual(example.answer);
      }
      // The unrestricted form (free structure names) is accepted too.
      await llama.createGrammarForJsonSchema<GbnfJsonSchema>(toGrammarSchema(llmAnswerJsonSchema));
    } finally {
      await llama.dispose();
    }
  });

  it('verifies the manifest and the sha256 before anything loads', async () => {
    expect(await sha256OfFile(GGUF)).toBe(GGUF_SHA256);
    expect((await verifyLlmManifest(manifestPath)).manifest.id).toBe('stories260k');
    expect(await findLlmManifests(root)).toEqual([manifestPath]);
    const wrong = writeManifest('wrong-hash', {
      file: { path: 'stories260K.gguf', sha256: '0'.repeat(64), bytes: statSync(GGUF).size },
    });
    await expect(LlmInterpreter.fromManifest(wrong)).rejects.toThrow(/does not match its manifest \(sha256/);
    const size = writeManifest('wrong-size', {
      file: { path: 'stories260K.gguf', sha256: GGUF_SHA256, bytes: 1 },
    });
    await expect(verifyLlmManifest(size)).rejects.toThrow(LlmUnavailableError);
    const outside = writeManifest('outside', {
      file: { path: GGUF, sha256: GGUF_SHA256, bytes: statSync(GGUF).size },
    });
    await expect(verifyLlmManifest(outside)).rejects.toThrow(/must lie in the manifest's folder/);
    await expect(verifyLlmManifest(join(root, 'llm', 'absent', 'manifest.json'))).rejects.toThrow(
      /cannot read/,
    );
    // A kind and a changelog are read; a segmentation model's manifest is not taken for an LLM's.
    const changelog = [{ version: '1.0.0', changes: ['first release'] }];
    const kinded = writeManifest('kinded', { kind: 'llm', changelog });
    expect((await verifyLlmManifest(kinded)).manifest).toMatchObject({ kind: 'llm', changelog });
    const segmentation = writeManifest('segmentation', { kind: 'segmentation' });
    await expect(verifyLlmManifest(segmentation)).rejects.toThrow(
      /is the manifest of a segmentation model, not an llm model: install it under models\/<id>\//,
    );

    // The app's interpreter answers anyway, with the built-in rules, and says why.
    const interpreter = new InterventionInterpreter({ llmManifestPath: wrong });
    expect((await interpreter.status()).llm).toBe('unavailable');
    const answer = await interpreter.interpret(COMMAND, benchmarkContext);
    expect(answer.interpreter).toBe('built-in');
    expect(answer.fallbackReason).toMatch(/sha256/);
    expect(answer.kind).toBe('intervention');
  });

  it('answers with schema-valid output or reports the fallback, and unload frees the model', async () => {
    const llm = await LlmInterpreter.fromManifest(manifestPath, {
      gpu: false,
      threads: 1,
      maxTokens: 160,
      timeoutMs: 30_000,
    });
    let started = performance.now();
    await llm.load();
    timings.load = Math.round(performance.now() - started);
    const model = llm.model!;
    expect(model.disposed).toBe(false);

    started = performance.now();
    let answer;
    try {
      answer = await llm.interpret(COMMAND, benchmarkContext);
    } catch (error) {
      // A story model may run out of tokens mid-JSON (or, on busy cores, out of its 30 s): that must
      // be a reported failure, not garbage.
      expect(error).toBeInstanceOf(LlmFailure);
      expect(['invalid', 'timeout']).toContain((error as LlmFailure).reason);
      outcomes.push(`failure: ${(error as Error).message}`);
    }
    timings.generate = Math.round(performance.now() - started);
    if (answer) {
      outcomes.push(`answer: ${JSON.stringify(answer)}`);
      expect(answer.interpreter).toBe('llm');
      const { interpreter: _i, elapsedMs, fallbackReason: _f, ...result } = answer;
      expect(interpretResultSchema.safeParse(result).success).toBe(true);
      expect(elapsedMs).toBeGreaterThan(0);
    }

    started = performance.now();
    await llm.unload();
    timings.unload = Math.round(performance.now() - started);
    expect(model.disposed).toBe(true);
    expect(llm.isLoaded).toBe(false);
    expect(llm.model).toBeUndefined();
  });

  it('falls back to the built-in interpreter when the time limit passes', async () => {
    const interpreter = new InterventionInterpreter({
      llmManifestPath: manifestPath,
      llm: { gpu: false, threads: 1, maxTokens: 160 },
      waitForLoad: true,
    });
    await interpreter.load();
    expect((await interpreter.status()).llm).toBe('ready');
    // The LLM is busy with a long request; one with a 1 ms limit behind it must be answered by the
    // built-in interpreter before the busy one ends, not after it (the latency is benchmarked).
    const settled: string[] = [];
    const busy = interpreter
      .interpret(COMMAND, benchmarkContext, { timeoutMs: 30_000 })
      .finally(() => settled.push('busy request'));
    const answer = await interpreter
      .interpret(COMMAND, benchmarkContext, { timeoutMs: 1 })
      .finally(() => settled.push('1 ms request'));
    await busy;
    expect(settled).toEqual(['1 ms request', 'busy request']);
    expect(answer.interpreter).toBe('built-in');
    expect(answer.fallbackReason).toMatch(/did not answer within 1 ms/);
    expect(answer.kind).toBe('intervention');

    // Whatever the LLM answers with time to spare is schema-valid or a reported fallback.
    const started = performance.now();
    const full = await interpreter.interpret(COMMAND, benchmarkContext, { timeoutMs: 30_000 });
    timings.fallbackInterpreterGenerate = Math.round(performance.now() - started);
    outcomes.push(`via InterventionInterpreter: ${JSON.stringify(full)}`);
    expect(full.interpreter === 'llm' || typeof full.fallbackReason === 'string').toBe(true);
    await interpreter.unload();
    expect((await interpreter.status()).llm).toBe('not-loaded');
  });

  it('cancels a running request and serves the next one', async () => {
    const llm = await LlmInterpreter.fromManifest(manifestPath, {
      gpu: false,
      threads: 1,
      maxTokens: 160,
      timeoutMs: 30_000,
    });
    await llm.load();
    const controller = new AbortController();
    const started = performance.now();
    const pending = llm.interpret(COMMAND, benchmarkContext, { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    timings.cancel = Math.round(performance.now() - started);

    const aborted = new AbortController();
    aborted.abort();
    await expect(llm.interpret(COMMAND, benchmarkContext, { signal: aborted.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });

    // The sequence is usable again after a cancellation.
    const next = await llm.interpret('shrink the spleen by 3 mm', benchmarkContext).catch((e: unknown) => e);
    expect(next instanceof LlmFailure || (next as { interpreter: string }).interpreter === 'llm').toBe(true);
    await llm.unload();
  });

  it('answers with the built-in interpreter while the LLM loads in the background', async () => {
    const interpreter = new InterventionInterpreter({
      llmManifestPath: manifestPath,
      llm: { gpu: false, threads: 1 },
    });
    const answer = await interpreter.interpret('shrink the spleen by 3 mm', benchmarkContext);
    expect(answer.interpreter).toBe('built-in');
    expect(answer.fallbackReason).toBe('the LLM is still loading');
    await interpreter.load();
    await interpreter.unload();
  });
});

describe('interpreter without an LLM', () => {
  it('uses the built-in rules and says so', async () => {
    const interpreter = new InterventionInterpreter();
    expect(await interpreter.status()).toEqual({ llm: 'none' });
    const answer = await interpreter.interpret('shrink the spleen by 3 mm', benchmarkContext);
    expect(answer).toMatchObject({ kind: 'intervention', interpreter: 'built-in' });
    expect(answer.fallbackReason).toBeUndefined();
  });

  it('rejects a malformed view context', async () => {
    const interpreter = new InterventionInterpreter();
    await expect(
      interpreter.interpret('shrink the spleen', { ...benchmarkContext, sliceCount: 0 }),
    ).rejects.toThrow();
  });
});
