// A count of the vtk.js objects our composables hold, so a leak test can open and close studies and
// check that the count returns to where it was (window.__vtkLiveObjects in the running app).
// vtk.js freezes its public APIs, so objects are remembered and asked isDeleted() instead of having
// their delete() wrapped; deleted ones are forgotten at the next call so they are not kept alive.
interface VtkObject {
  isDeleted(): boolean;
}

const live = new Set<VtkObject>();

function prune() {
  for (const obj of live) if (obj.isDeleted()) live.delete(obj);
}

/** Counts `obj` until its delete() has run. */
export function tracked<T extends VtkObject>(obj: T): T {
  prune();
  live.add(obj);
  return obj;
}

export function liveVtkObjects(): number {
  prune();
  return live.size;
}

declare global {
  interface Window {
    __vtkLiveObjects?: () => number;
  }
}
if (typeof window !== 'undefined') window.__vtkLiveObjects = liveVtkObjects;
