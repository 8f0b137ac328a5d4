// A closed study's voxels (hundreds of MB outside the JS heap) are only returned to the system when
// V8 next collects, which an idle workstation may not do for minutes: closing asks for it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/** A full collection now, where the runtime allows one (else nothing). */
export function collectGarbage(): void {
  if (collect === undefined) {
    try {
      // The documented way to reach gc() without starting Node with --expose-gc.
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  collect?.();
}
