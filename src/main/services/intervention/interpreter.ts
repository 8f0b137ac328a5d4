// One interface over both interpreters, and the one the app uses: the LLM when one is installed
// and answers in time with valid data, else the built-in rules — and the answer says which spoke
// and, when the LLM was passed over, why.
import {
  viewContextSchema,
  type Interpretation,
  type InterpreterKind,
  type ViewContext,
} from '../../../shared/intervention';
import { interpretBuiltIn } from './builtin';
import { LlmFailure, LlmInterpreter, abortError, type InterpretOptions, type LlmOptions } from './llm';
import { LlmUnavailableError } from '../models/index';

export interface Interpreter {
  readonly kind: InterpreterKind;
  interpret(command: string, context: ViewContext, options?: InterpretOptions): Promise<Interpretation>;
}

export class BuiltInInterpreter implements Interpreter {
  readonly kind = 'built-in' as const;

  async interpret(
    command: string,
    context: ViewContext,
    options: InterpretOptions = {},
  ): Promise<Interpretation> {
    if (options.signal?.aborted) throw abortError();
    const started = performance.now();
    const result = interpretBuiltIn(command, context);
    return { ...result, interpreter: 'built-in', elapsedMs: Math.round(performance.now() - started) };
  }
}

export interface InterventionInterpreterOptions {
  /** models/llm/<id>/manifest.json of the LLM to use; absent: built-in only. */
  llmManifestPath?: string;
  llm?: LlmOptions;
  /**
   * Wait for the LLM to load on the first command (true), or answer with the built-in interpreter
   * while it loads in the background (false, the default: the user never waits for a model load).
   */
  waitForLoad?: boolean;
}

export interface InterpreterStatus {
  llm: 'none' | 'unavailable' | 'not-loaded' | 'loading' | 'ready';
  /** Why the LLM cannot be used, when it cannot. */
  reason?: string;
  modelId?: string;
}

/** The LLM with the built-in interpreter behind it. */
export class InterventionInterpreter implements Interpreter {
  private readonly builtIn = new BuiltInInterpreter();
  private llm?: LlmInterpreter;
  private unavailable?: string;
  private loading = false;
  private ready: Promise<void>;

  constructor(private readonly options: InterventionInterpreterOptions = {}) {
    this.ready = this.prepare();
  }

  /** 'llm' when an LLM is configured (it may still fall back per request; see fallbackReason). */
  get kind(): InterpreterKind {
    return this.options.llmManifestPath ? 'llm' : 'built-in';
  }

  private async prepare(): Promise<void> {
    if (!this.options.llmManifestPath) return;
    try {
      this.llm = await LlmInterpreter.fromManifest(this.options.llmManifestPath, this.options.llm);
    } catch (error) {
      this.unavailable = error instanceof LlmUnavailableError ? error.message : String(error);
    }
  }

  async status(): Promise<InterpreterStatus> {
    await this.ready;
    if (!this.options.llmManifestPath) return { llm: 'none' };
    if (!this.llm) return { llm: 'unavailable', reason: this.unavailable };
    const modelId = this.llm.verified.manifest.id;
    if (this.unavailable) return { llm: 'unavailable', reason: this.unavailable, modelId };
    return { llm: this.llm.isLoaded ? 'ready' : this.loading ? 'loading' : 'not-loaded', modelId };
  }

  /** Loads the LLM now (e.g. at start-up) rather than on the first command. */
  async load(signal?: AbortSignal): Promise<void> {
    await this.ready;
    if (!this.llm) return;
    this.loading = true;
    try {
      await this.llm.load(signal);
      this.unavailable = undefined;
    } catch (error) {
      if (!signal?.aborted) this.unavailable = `the LLM could not be loaded: ${(error as Error).message}`;
      throw error;
    } finally {
      this.loading = false;
    }
  }

  async unload(): Promise<void> {
    await this.ready;
    await this.llm?.unload();
  }

  async interpret(
    command: string,
    context: ViewContext,
    options: InterpretOptions = {},
  ): Promise<Interpretation> {
    const started = performance.now();
    const view = viewContextSchema.parse(context);
    await this.ready;
    const fallback = async (reason: string): Promise<Interpretation> => {
      const answer = await this.builtIn.interpret(command, view, options);
      return { ...answer, elapsedMs: Math.round(performance.now() - started), fallbackReason: reason };
    };
    if (!this.options.llmManifestPath) return this.builtIn.interpret(command, view, options);
    if (!this.llm || this.unavailable) return fallback(this.unavailable ?? 'no LLM is installed');
    if (!this.llm.isLoaded && !this.options.waitForLoad) {
      if (!this.loading) this.load().catch(() => undefined);
      return fallback('the LLM is still loading');
    }
    try {
      return await this.llm.interpret(command, view, options);
    } catch (error) {
      if (options.signal?.aborted) throw abortError();
      if (error instanceof LlmFailure) return fallback(error.message);
      throw error;
    }
  }
}
