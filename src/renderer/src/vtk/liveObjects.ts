// A count of the vtk.js objects our composables hold, so a leak test can open and close studies and
// check that the count returns to where it was (window.__vtkLiveObjects in the running app).
let live = 0;

/** Counts `obj` until its delete() runs (once, however often it is called). */
export function tracked<T extends { delete(): void }>(obj: T): T {
  live++;
  const original = obj.delete.bind(obj);
  let deleted = false;
  obj.delete = () => {
    if (!deleted) live--;
    deleted = true;
    original();
  };
  return obj;
}

export const liveVtkObjects = () => live;

declare global {
  interface Window {
    __vtkLiveObjects?: () => number;
  }
}
if (typeof window !== 'undefined') window.__vtkLiveObjects = liveVtkObjects;
