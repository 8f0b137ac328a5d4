// The LLM interpreter: a local GGUF model through node-llama-cpp, its output forced by a JSON
// grammar derived from the intervention schema, then validated by that same schema and by the
// on-screen checks (checkIntervention). It never answers wrongly-shaped data: anything it cannot
// stand behind is an LlmFailure, and the caller (FallbackInterpreter) asks the built-in one.
//
// One model, one context, one sequence; requests run one after another (a queue), each from a
// cleared sequence so that no earlier command leaks into the next. The time limit covers waiting
// and generating, and the caller hears at the limit (the request stops in the background);
// loading is separate (load() at start-up, or on the first request).
import {
  getLlama,
  LlamaCompletion,
  LlamaLogLevel,
  type GbnfJsonSchema,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
} from 'node-llama-cpp';
import { structures } from '../../../shared/anatomy';
import {
  checkIntervention,
  llmAnswerSchema,
  type Interpretation,
  type InterpretResult,
  type ViewContext,
} from '../../../shared/intervention';
import { llmAnswerGrammarSchema, stripNulls } from './grammarSchema';
import { verifyLlmManifest, type VerifiedLlm } from '../models/index';
import { buildPrompt, promptExamples } from './prompt';

export interface LlmOptions {
  /** Most tokens the answer may take; a grammar-bound answer is 60–150 tokens for a real model. */
  maxTokens?: number;
  /** Time limit per request, waiting in the queue included. */
  timeoutMs?: number;
  /** Context to allocate; default: the manifest's, else min(training context, 4096). */
  contextSize?: number;
  /** CPU threads; default node-llama-cpp's (all math cores). */
  threads?: number;
  /** 'auto' uses a GPU where node-llama-cpp finds one; false keeps to the CPU. */
  gpu?: 'auto' | false;
}

export interface InterpretOptions {
  /** Aborting it cancels the request: the promise rejects with an AbortError, nothing answers. */
  signal?: AbortSignal;
  /** Overrides the interpreter's time limit for this request. */
  timeoutMs?: number;
}

/** Why the LLM gave no usable answer; `reason` is shown to the user with the built-in answer. */
export class LlmFailure extends Error {
  constructor(
    readonly reason: 'unavailable' | 'timeout' | 'invalid' | 'error',
    message: string,
  ) {
    super(message);
    this.name = 'LlmFailure';
  }
}

export const DEFAULT_MAX_TOKENS = 192;
export const DEFAULT_TIMEOUT_MS = 10_000;

interface Loaded {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
}

export function abortError(message = 'interpretation cancelled'): DOMException {
  return new DOMException(message, 'AbortError');
}

function failureFor(callerSignal: AbortSignal | undefined, timeoutMs: number): Error {
  if (callerSignal?.aborted) return abortError();
  return new LlmFailure('timeout', `the LLM did not answer within ${timeoutMs} ms`);
}

/** Rejects with why() as soon as signal aborts; never settles (and lets go of signal) once settled does. */
function rejectWhenAborted(signal: AbortSignal, settled: Promise<unknown>, why: () => Error): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) {
      reject(why());
      return;
    }
    const onAbort = (): void => reject(why());
    signal.addEventListener('abort', onAbort, { once: true });
    const release = (): void => signal.removeEventListener('abort', onAbort);
    settled.then(release, release);
  });
}

export class LlmInterpreter {
  readonly kind = 'llm' as const;
  private loading?: Promise<Loaded>;
  private loaded?: Loaded;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  private constructor(
    readonly verified: VerifiedLlm,
    private readonly options: LlmOptions,
  ) {}

  /** Checks the manifest and the model's sha256; throws LlmUnavailableError, loads nothing. */
  static async fromManifest(manifestPath: string, options: LlmOptions = {}): Promise<LlmInterpreter> {
    return new LlmInterpreter(await verifyLlmManifest(manifestPath), options);
  }

  get isLoaded(): boolean {
    return this.loaded !== undefined;
  }

  /** Loads the model once; concurrent callers share the load. Aborting the signal stops it. */
  load(signal?: AbortSignal): Promise<void> {
    this.loading ??= this.doLoad(signal).then(
      (loaded) => (this.loaded = loaded),
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading.then(() => undefined);
  }

  private async doLoad(signal?: AbortSignal): Promise<Loaded> {
    const llama = await getLlama({
      gpu: this.options.gpu ?? 'auto',
      // Offline workstation: use the shipped prebuilt binaries, never try to compile llama.cpp.
      build: 'never',
      logLevel: LlamaLogLevel.error,
    });
    try {
      const model = await llama.loadModel({ modelPath: this.verified.modelPath, loadSignal: signal });
      const contextSize =
        this.options.contextSize ??
        this.verified.manifest.contextSize ??
        Math.min(model.trainContextSize, 4096);
      const context = await model.createContext({
        contextSize,
        ...(this.options.threads ? { threads: this.options.threads } : {}),
      });
      return { llama, model, context, sequence: context.getSequence() };
    } catch (error) {
      await llama.dispose();
      throw error;
    }
  }

  /** Frees the context, the model and the native backend; the next request loads again. */
  async unload(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    this.loaded = undefined;
    this.grammars.clear();
    const loaded = await loading?.catch(() => undefined);
    if (!loaded) return;
    // Let a running generation end (it holds the sequence) before freeing under it.
    await this.queue.catch(() => undefined);
    await loaded.context.dispose();
    await loaded.model.dispose();
    await loaded.llama.dispose();
  }

  /** The loaded model, for status displays (size, GPU layers); undefined until loaded and after unload. */
  get model(): LlamaModel | undefined {
    return this.loaded?.model;
  }

  /**
   * Interprets one command. Resolves with the LLM's checked answer; rejects with LlmFailure when it
   * has none it can stand behind, or with an AbortError when options.signal is aborted.
   */
  interpret(command: string, context: ViewContext, options: InterpretOptions = {}): Promise<Interpretation> {
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const run = async (): Promise<Interpretation> => {
      try {
        signal.throwIfAborted();
        await this.load(signal);
        const result = await this.generate(command, context, signal);
        return { ...result, interpreter: 'llm', elapsedMs: Math.round(performance.now() - started) };
      } catch (error) {
        if (options.signal?.aborted) throw abortError();
        if (timeout.aborted) {
          throw new LlmFailure('timeout', `the LLM did not answer within ${timeoutMs} ms`);
        }
        if (error instanceof LlmFailure) throw error;
        throw new LlmFailure('error', `the LLM failed: ${(error as Error).message}`);
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    // The answer is due at the time limit whatever the model is doing: a tokenizer pass, a grammar
    // build or a generation ahead in the queue does not notice the signal at once. The request goes
    // on in the background with its signal aborted (it stops at its next check), and the caller
    // hears now.
    return Promise.race([next, rejectWhenAborted(signal, next, () => failureFor(options.signal, timeoutMs))]);
  }

  private grammarFor(names: string[]): Promise<LlamaGrammar> {
    const key = names.join(',');
    let grammar = this.grammars.get(key);
    if (!grammar) {
      const loaded = this.loaded!;
      grammar = loaded.llama.createGrammarForJsonSchema<GbnfJsonSchema>(llmAnswerGrammarSchema(names));
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  private async generate(
    command: string,
    context: ViewContext,
    signal: AbortSignal,
  ): Promise<InterpretResult> {
    const loaded = this.loaded;
    if (!loaded) throw new LlmFailure('unavailable', 'the LLM was unloaded');
    const maxTokens = this.options.maxTokens ?? DEFAULT_MAX_TOKENS;
    // Names the model may write: those on screen; the catalogue when nothing is (it will then clarify).
    const names =
      context.visibleStructures.length > 0 ? context.visibleStructures : structures.map((s) => s.name);
    const grammar = await this.grammarFor([
      ...new Set([...names, ...(context.selectedStructure ? [context.selectedStructure] : [])]),
    ]);

    const budget = loaded.context.contextSize - maxTokens;
    let prompt: string | undefined;
    for (let count = promptExamples.length; count >= 0 && prompt === undefined; count--) {
      const candidate = buildPrompt(command, context, count);
      if (loaded.model.tokenize(candidate).length <= budget) prompt = candidate;
    }
    if (prompt === undefined) {
      throw new LlmFailure(
        'invalid',
        `the command does not fit the LLM's context of ${loaded.context.contextSize} tokens`,
      );
    }

    await loaded.sequence.clearHistory();
    const completion = new LlamaCompletion({ contextSequence: loaded.sequence, autoDisposeSequence: false });
    try {
      const { response, metadata } = await completion.generateCompletionWithMeta(prompt, {
        grammar,
        maxTokens,
        temperature: 0,
        signal,
      });
      let json: unknown;
      try {
        json = JSON.parse(response);
      } catch {
        const why =
          metadata.stopReason === 'maxTokens' ? `was cut off at ${maxTokens} tokens` : 'is not JSON';
        throw new LlmFailure('invalid', `the LLM's answer ${why}`);
      }
      const parsed = llmAnswerSchema.safeParse(stripNulls(json));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new LlmFailure(
          'invalid',
          `the LLM's answer is invalid at ${issue.path.join('.') || 'top'}: ${issue.message}`,
        );
      }
      const answer = parsed.data;
      if (answer.kind === 'intervention') return checkIntervention(answer.intervention, context);
      return answer;
    } finally {
      completion.dispose({ disposeSequence: false });
    }
  }
}
