// Tests fail, never skip: the helper every real-data test starts with names what is missing and the fix.
import { describe, expect, it } from 'vitest';
import { builtFile, MissingPrerequisiteError, requireData, sharedFile } from '../requireData';

describe('requireData', () => {
  it('returns when everything is here', () => {
    expect(() => requireData(builtFile('package.json'))).not.toThrow();
  });

  it('fails with one line per missing thing, naming it and the step that provides it', () => {
    const run = () =>
      requireData(builtFile('package.json'), builtFile('out/none.js'), sharedFile('/nowhere/x.nii.gz'));
    expect(run).toThrow(MissingPrerequisiteError);
    const message = (() => {
      try {
        run();
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    const lines = message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe('  missing out/none.js: run `npm run build`');
    expect(lines[2]).toMatch(/missing .*nowhere\/x\.nii\.gz: put the shared test data at \.\.\/shared\/data/);
    expect(message).not.toContain('package.json');
  });
});
