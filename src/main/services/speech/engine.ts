// What every speech engine offers. Audio is 16 kHz mono 16-bit PCM (what the renderer captures)
// or the bytes of a WAV file (converted by wav.ts); the transcript is plain words as spoken, for
// spokenToCommand to turn into the text the interpreter reads.
import { ServiceError } from '../../../shared/serviceError';

import type { Hypothesis, WordPosterior } from './hypotheses';

export type SpeechAudio = Int16Array | Uint8Array;

export interface TranscribeOptions {
  signal?: AbortSignal;
  /** What messages call the audio, e.g. its file path. */
  name?: string;
  /**
   * Catalogue names the command may mention (the structures of the segmentation on screen). A
   * grammar-constrained engine listens for these only: fewer names, fewer confusions. Default:
   * the whole catalogue.
   */
  structures?: readonly string[];
}

export interface Transcript {
  /** The words heard, lower case; empty when nothing the engine accepts was said. */
  text: string;
  /** 0–1: the share of the N-best list's probability the words above hold, where the engine gives one. */
  confidence?: number;
  /** The decoder's N-best alternatives with their confidence, best first (where the engine lists them). */
  hypotheses?: Hypothesis[];
  /** The words of `text` with their lattice posteriors, where the engine gives them. */
  words?: WordPosterior[];
  /**
   * Another search's N-best over the same audio (PocketSphinx's closed grammar beside its language
   * model): it may stop a reading from being applied without asking, never choose one.
   */
  secondOpinion?: Hypothesis[];
  engine: string;
  /** Wall time of recognition, from audio in to words out. */
  elapsedMs: number;
  audioSeconds: number;
}

export type Availability = { ok: true } | { ok: false; install: string };

export interface SpeechEngine {
  readonly id: string;
  /** What it is for, shown beside the engine choice. */
  readonly description: string;
  available(): Promise<Availability>;
  transcribe(audio: SpeechAudio, options?: TranscribeOptions): Promise<Transcript>;
  /** Releases what the engine keeps between calls (temporary files, a loaded model). */
  dispose?(): Promise<void>;
}

/** The engine cannot run here; the message says what to install. */
export class SpeechUnavailableError extends ServiceError {
  constructor(message: string) {
    super('not-found', message);
    this.name = 'SpeechUnavailableError';
  }
}

export class SpeechCancelledError extends ServiceError {
  constructor() {
    super('cancelled', 'transcription cancelled');
    this.name = 'SpeechCancelledError';
  }
}
