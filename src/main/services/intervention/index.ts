// Language half of Test-Time Causal Intervention: a typed correction → an Intervention (or a
// question, or a refusal). Turning an Intervention into FiLM/gate inputs lives beside the decoder.
export { interpretBuiltIn, normaliseCommand } from './builtin';
export {
  BuiltInInterpreter,
  InterventionInterpreter,
  type InterpreterStatus,
  type Interpreter,
  type InterventionInterpreterOptions,
} from './interpreter';
export {
  DEFAULT_MAX_TOKENS,
  DEFAULT_TIMEOUT_MS,
  LlmFailure,
  LlmInterpreter,
  type InterpretOptions,
  type LlmOptions,
} from './llm';
export {
  LlmUnavailableError,
  findLlmManifests,
  installedLlmManifest,
  llmManifestSchema,
  sha256OfFile,
  verifyLlmManifest,
  type LlmManifest,
} from '../models/index';
export { llmAnswerGrammarSchema, llmAnswerJsonSchema, toGrammarSchema } from './grammarSchema';
export { buildPrompt, describeView } from './prompt';
export {
  benchmarkCommands,
  benchmarkContext,
  benchmarkContextWithCursor,
  scoreBenchmark,
  scoreInterpretation,
  type BenchmarkCommand,
  type BenchmarkScore,
  type ExpectedInterpretation,
} from './benchmarkCommands';
export { executeIntervention, type InterventionDecoder } from './executor';
export {
  InterventionError,
  NEAR_MM,
  QUALITATIVE_REACH_MM,
  interventionBand,
  reachOf,
  strengthOf,
  type Band,
} from './region';
export { InterventionAuditLog, appliedEntry, type AuditEntry, type AuditStudy } from './auditLog';
export { InterventionService, type Correction, type InterpretedCommand } from './corrections';
