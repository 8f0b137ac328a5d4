// One error type: every service failure reaches the app with its contract code and the command
// line with the exit status that code maps to; a bug stays 'internal' and is never dressed up.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeError, ServiceError } from '../../../src/shared/serviceError';
import { BadInputError } from '../../../src/main/services/imaging/errors';
import { DicomSegWriteError } from '../../../src/main/services/imaging/dicom/segWriter';
import { ModelRefusedError } from '../../../src/main/services/models/verifyModel';
import { PacsCancelledError, PacsError } from '../../../src/main/services/pacs/errors';
import {
  SegmentationCancelledError,
  SegmentationRefusedError,
} from '../../../src/main/services/segmentation/errors';
import { InterventionError } from '../../../src/main/services/intervention/region';
import { SpeechUnavailableError } from '../../../src/main/services/speech/engine';
import { WavError } from '../../../src/main/services/speech/wav';
import { UsageError, cliCommand, exitStatus } from '../../../src/main/cli/command';

describe('describeError', () => {
  it('gives every service error its contract code (a SEG the writer refuses is bad input, not internal)', () => {
    const cases: [unknown, string][] = [
      [new DicomSegWriteError('the segmentation is empty: nothing to write as a SEG'), 'bad-input'],
      [new BadInputError('/a/b.nii', 'truncated'), 'bad-input'],
      [new ModelRefusedError('/m/manifest.json', 'no such field'), 'bad-input'],
      [new SegmentationRefusedError('too big'), 'bad-input'],
      [new InterventionError('no such structure'), 'bad-input'],
      [new WavError('not PCM'), 'bad-input'],
      [new SegmentationCancelledError(), 'cancelled'],
      [new PacsCancelledError('retrieve'), 'cancelled'],
      [new SpeechUnavailableError('install pocketsphinx'), 'not-found'],
      [new PacsError('not-found', 'no node "x"'), 'not-found'],
      [new PacsError('credentials', 'wrong credentials'), 'remote'],
    ];
    for (const [error, code] of cases) {
      expect(error).toBeInstanceOf(ServiceError);
      expect(describeError(error).code, (error as Error).name).toBe(code);
    }
  });

  it('names the file where the error has one, and only then', () => {
    expect(describeError(new BadInputError('/a/b.nii', 'truncated'))).toEqual({
      code: 'bad-input',
      message: '/a/b.nii: truncated',
      file: '/a/b.nii',
    });
    expect(describeError(new SegmentationRefusedError('too big'))).toEqual({
      code: 'bad-input',
      message: 'too big',
    });
  });

  it('reads file-system refusals and leaves a bug internal', () => {
    const missing = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', path: '/x.nii' });
    expect(describeError(missing)).toEqual({
      code: 'not-found',
      message: '/x.nii: not found',
      file: '/x.nii',
    });
    expect(describeError(new TypeError('x is undefined')).code).toBe('internal');
  });
});

describe('cliCommand', () => {
  const stderr: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    stderr.length = 0;
  });
  const run = (error: unknown) => {
    vi.spyOn(console, 'error').mockImplementation((line: string) => void stderr.push(line));
    return cliCommand(async () => {
      throw error;
    }, 'usage: x')([]);
  };

  it('prints the usage for a usage mistake (exit 2)', async () => {
    expect(await run(new UsageError('x needs --out'))).toBe(2);
    expect(stderr).toEqual(['x needs --out\n\nusage: x']);
  });

  it('maps a service error code to its exit status with one line', async () => {
    expect(await run(new DicomSegWriteError('the segmentation is empty'))).toBe(exitStatus['bad-input']);
    expect(stderr).toEqual(['refused: the segmentation is empty']);
    stderr.length = 0;
    expect(await run(new PacsError('timeout', 'PACS: no answer within 30 s'))).toBe(exitStatus.remote);
    expect(stderr).toEqual(['error: PACS: no answer within 30 s']);
  });

  it('lets a bug propagate instead of calling it a refusal', async () => {
    await expect(run(new TypeError('boom'))).rejects.toThrow('boom');
  });
});
