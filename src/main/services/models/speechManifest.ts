// A speech model (sherpa-onnx, which the user installs) is data like every model here:
// <models>/speech/<id>/manifest.json names each file with its size and sha256, and nothing is loaded
// unless every file matches. Its `kind` is "speech" like every model's kind; `family` names the
// sherpa-onnx model family (transducer, Whisper). Manifests written before kinds were named said the
// family in `kind`; they are still read.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ModelRefusedError, kindMismatch, manifestChangelogSchema, verifyManifestFiles } from './manifestFiles';

const file = z.object({
  /** Relative to the manifest's folder; the file must stay inside it. */
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
});

export const speechManifestSchema = z.object({
  schemaVersion: z.literal(1),
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  name: z.string().min(1),
  engine: z.literal('sherpa-onnx'),
  kind: z.literal('speech').optional(),
  /** sherpa-onnx offline model families: a transducer (zipformer) or Whisper. */
  family: z.enum(['transducer', 'whisper']),
  files: z.object({
    encoder: file,
    decoder: file,
    /** Transducers only. */
    joiner: file.optional(),
    tokens: file,
  }),
  language: z.string().min(2),
  licence: z.string().min(1),
  description: z.string().optional(),
  changelog: manifestChangelogSchema.optional(),
});
export type SpeechManifest = z.infer<typeof speechManifestSchema>;

export interface VerifiedSpeechModel {
  manifest: SpeechManifest;
  paths: Record<string, string>;
}

/** Reads and checks a manifest and its files; returns the problem instead when one does not match. */
export async function verifySpeechManifest(manifestPath: string): Promise<VerifiedSpeechModel | string> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    return `cannot read ${manifestPath}: ${(error as Error).message}`;
  }
  const legacy = raw as { kind?: unknown; family?: unknown } | null;
  if (legacy && legacy.family === undefined && (legacy.kind === 'transducer' || legacy.kind === 'whisper'))
    raw = { ...legacy, kind: 'speech', family: legacy.kind };
  const mismatch = kindMismatch(raw, 'speech');
  if (mismatch) return `${manifestPath} ${mismatch}`;
  const parsed = speechManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `${manifestPath} is invalid: ${issue.path.join('.')}: ${issue.message}`;
  }
  const manifest = parsed.data;
  if (manifest.family === 'transducer' && !manifest.files.joiner)
    return `${manifestPath}: a transducer needs a joiner`;
  // The one verifier of model files (models area): inside the folder, size, sha256 hashed once.
  try {
    const paths = await verifyManifestFiles(dirname(resolve(manifestPath)), manifest.files, manifestPath);
    return { manifest, paths };
  } catch (error) {
    if (!(error instanceof ModelRefusedError)) throw error;
    return `${error.message}; not loading it`;
  }
}
