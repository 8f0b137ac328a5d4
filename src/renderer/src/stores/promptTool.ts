// The prompt tool on the axial view: a drag draws a box (sent when released), clicks collect points
// (shift- or alt-click: negative) that "Segment points" sends. Holds what the view draws: the box
// being dragged, the last box sent, and the points, each on the slice it was given on.
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { Vec3 } from '../../../shared/volume';
import {
  isDegenerateBox,
  planeAxes,
  planeBox,
  sliceOf,
  toPlanePoint,
  type PlanePoint,
  type PromptPoint,
} from '../imaging';
import { useStudiesStore } from './studies';
import { useModelRunsStore } from './modelRuns';

/** A box in continuous plane coordinates (not yet rounded), for drawing while the pointer moves. */
export interface DragBox {
  slice: number;
  from: PlanePoint;
  to: PlanePoint;
}

export const usePromptToolStore = defineStore('promptTool', () => {
  const studies = useStudiesStore();
  const runs = useModelRunsStore();

  const points = ref<PromptPoint[]>([]);
  const pointsSlice = ref<number | null>(null);
  const dragging = ref<DragBox | null>(null);
  /** The last box sent, inclusive voxel corners, shown until the next prompt. */
  const lastBox = ref<{ slice: number; box: [PlanePoint, PlanePoint] } | null>(null);

  function clear() {
    points.value = [];
    pointsSlice.value = null;
    dragging.value = null;
    lastBox.value = null;
  }
  watch(() => studies.volume, clear);

  /** Continuous plane coordinates of a voxel position (no rounding, no clamping: for drawing). */
  function continuous(voxel: Vec3): { slice: number; at: PlanePoint } | null {
    const axis = runs.axialAxis;
    const v = studies.volume;
    if (axis === null || !v) return null;
    const [pa, pb] = planeAxes(axis);
    return { slice: sliceOf(voxel, axis, v.dims), at: { a: voxel[pa], b: voxel[pb] } };
  }

  function beginBox(voxel: Vec3) {
    const c = continuous(voxel);
    dragging.value = c && { slice: c.slice, from: c.at, to: c.at };
  }

  function dragTo(voxel: Vec3) {
    const c = continuous(voxel);
    if (c && dragging.value) dragging.value = { ...dragging.value, to: c.at };
  }

  function cancelBox() {
    dragging.value = null;
  }

  /** Ends a drag: a real box is sent at once; one a voxel thin is dropped (it encloses nothing). */
  function finishBox(from: Vec3, to: Vec3) {
    dragging.value = null;
    const axis = runs.axialAxis;
    const v = studies.volume;
    if (axis === null || !v) return;
    const box = planeBox(from, to, axis, v.dims);
    if (isDegenerateBox(box)) return;
    const slice = sliceOf(from, axis, v.dims);
    lastBox.value = { slice, box };
    void runs.prompt(slice, { box });
  }

  /** A click adds a point; points given on another slice are dropped (a prompt lies on one slice). */
  function addPoint(voxel: Vec3, positive: boolean) {
    const axis = runs.axialAxis;
    const v = studies.volume;
    if (axis === null || !v) return;
    const slice = sliceOf(voxel, axis, v.dims);
    if (pointsSlice.value !== slice) points.value = [];
    pointsSlice.value = slice;
    points.value = [...points.value, { ...toPlanePoint(voxel, axis, v.dims), positive }];
  }

  async function sendPoints() {
    const slice = pointsSlice.value;
    if (slice === null || !points.value.length) return;
    lastBox.value = null;
    await runs.prompt(slice, { points: points.value });
  }

  function clearPoints() {
    points.value = [];
    pointsSlice.value = null;
  }

  return {
    points,
    pointsSlice,
    dragging,
    lastBox,
    beginBox,
    dragTo,
    cancelBox,
    finishBox,
    addPoint,
    sendPoints,
    clearPoints,
    clear,
  };
});
