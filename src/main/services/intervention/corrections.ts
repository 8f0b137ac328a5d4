// One use case for a correction, whoever asks: interpret the command against what is on screen,
// run the intervention through the decoder, and write the audit line before anyone sees the
// change. The app takes the steps in two requests (the user sees the interpretation first); the
// command line in one.
import type { InterventionApplyResult } from '../../../shared/api';
import type {
  Interpretation,
  InterpreterKind,
  Intervention,
  ViewContext,
} from '../../../shared/intervention';
import type { Segmentation } from '../../../shared/volume';
import { appliedEntry, type AuditStudy, type InterventionAuditLog } from './auditLog';
import { executeIntervention, type InterventionDecoder } from './executor';
import type { Interpreter } from './interpreter';

/** What was asked and how it was understood: recorded with every applied intervention. */
export interface InterpretedCommand {
  command: string;
  interpreter: InterpreterKind;
  intervention: Intervention;
}

/** A correction applied, or the question or refusal that applied nothing. */
export type Correction =
  | {
      applied: true;
      interpretation: Extract<Interpretation, { kind: 'intervention' }>;
      result: InterventionApplyResult;
    }
  | { applied: false; interpretation: Exclude<Interpretation, { kind: 'intervention' }> };

export class InterventionService {
  constructor(
    private readonly interpreter: Interpreter | Promise<Interpreter>,
    readonly audit: InterventionAuditLog,
  ) {}

  async interpret(command: string, view: ViewContext): Promise<Interpretation> {
    return (await this.interpreter).interpret(command, view);
  }

  /** Runs an interpreted intervention on `labels` (left unchanged) through `decoder`, and audits it. */
  async apply(
    seriesKey: string,
    labels: Segmentation,
    interpreted: InterpretedCommand,
    decoder: InterventionDecoder | null,
    study?: AuditStudy,
  ): Promise<InterventionApplyResult> {
    const result = await executeIntervention(labels, interpreted.intervention, decoder);
    const { command, interpreter, intervention } = interpreted;
    await this.audit.append(appliedEntry(seriesKey, command, interpreter, intervention, result, study));
    return result;
  }

  /**
   * interpret → apply → audit in one call. A question or a refusal applies nothing and loads no
   * decoder; `afterInterpret` runs in between whatever happened (the CLI frees the LLM there).
   */
  async correct(
    seriesKey: string,
    labels: Segmentation,
    command: string,
    view: ViewContext,
    decoderFor: () => Promise<InterventionDecoder | null>,
    afterInterpret?: () => Promise<void>,
  ): Promise<Correction> {
    let interpretation: Interpretation;
    try {
      interpretation = await this.interpret(command, view);
    } finally {
      await afterInterpret?.();
    }
    if (interpretation.kind !== 'intervention') return { applied: false, interpretation };
    const interpreted = {
      command,
      interpreter: interpretation.interpreter,
      intervention: interpretation.intervention,
    };
    const result = await this.apply(seriesKey, labels, interpreted, await decoderFor());
    return { applied: true, interpretation, result };
  }

  /** An undo or redo of an applied intervention, for the audit trail. */
  record(seriesKey: string, event: 'undo' | 'redo', summary: string, study?: AuditStudy): Promise<void> {
    return this.audit.append({
      time: new Date().toISOString(),
      event,
      seriesId: seriesKey,
      ...(study ? { study } : {}),
      summary,
    });
  }
}
