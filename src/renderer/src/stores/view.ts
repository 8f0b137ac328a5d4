// What the 2D views show: the crosshair position (one voxel, shared by all views: each view's slice
// is that voxel's index along the view's axis), window/level, per-view zoom and pan, the layout
// (2×2 or one view maximised) and the active tool. Reset whenever a new volume becomes active;
// views read it, interactions write it through the actions below.
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { Vec3, Volume, VolumeGeometry, VoxelArray } from '../../../shared/volume';
import {
  defaultWindowLevel,
  percentileWindow,
  sortedSample,
  valueRange,
  presetById,
  type PresetId,
  sliceViews,
  viewIndexAxes,
  type SliceView,
  type IndexAxis,
} from '../imaging';

export type ViewId = SliceView | '3d';
/** prompt: boxes and points for promptable segmentation, on the axial view. */
export type Tool = 'window-level' | 'brush' | 'eraser' | 'prompt';

const perView = <T>(make: () => T) =>
  Object.fromEntries(sliceViews.map((v) => [v, make()])) as Record<SliceView, T>;

export const useViewStore = defineStore('view', () => {
  const geometry = ref<VolumeGeometry | null>(null);
  const axes = ref<Record<SliceView, IndexAxis>>({ axial: 2, coronal: 1, sagittal: 0 });
  /** The crosshair: an integer voxel index. */
  const cursor = ref<Vec3>([0, 0, 0]);
  const windowWidth = ref(1);
  const windowLevel = ref(0);
  const modality = ref('');
  /** Value range of the volume: window/level drags are fractions of it. */
  const valueSpan = ref(1);
  let autoWindow = { window: 1, level: 0 };

  const zoom = reactive(perView(() => 1));
  const pan = reactive(perView(() => [0, 0] as [number, number]));
  /** The view keyboard scrolling acts on: the last one the pointer was over. */
  const activeView = ref<SliceView>('axial');
  const maximised = ref<ViewId | null>(null);
  const tool = ref<Tool>('window-level');
  const brushRadiusMm = ref(5);
  /** The voxel under the pointer (continuous index) and the view it is over, for the readout. */
  const hover = ref<{ view: SliceView; voxel: Vec3 } | null>(null);

  const hasSlices = computed(() => geometry.value !== null);

  /** `sample`: the voxels to set the window from (a streaming volume's first slices), default all. */
  function reset(volume: Volume | null, sample: VoxelArray = volume?.voxels ?? new Int16Array(0)) {
    hover.value = null;
    if (!volume) {
      geometry.value = null;
      return;
    }
    const { dims, spacingMm, originLps, axesLps } = volume;
    geometry.value = { dims: [...dims], spacingMm: [...spacingMm], originLps: [...originLps], axesLps };
    axes.value = viewIndexAxes(volume);
    cursor.value = [Math.floor(dims[0] / 2), Math.floor(dims[1] / 2), Math.floor(dims[2] / 2)];
    for (const v of sliceViews) {
      zoom[v] = 1;
      pan[v] = [0, 0];
    }
    modality.value = volume.modality.toUpperCase();
    const sorted = sortedSample(sample);
    const [lo, hi] = valueRange(sorted);
    valueSpan.value = hi > lo ? hi - lo : 1;
    autoWindow = percentileWindow(sorted);
    const wl = defaultWindowLevel(volume, sorted);
    windowWidth.value = wl.window;
    windowLevel.value = wl.level;
  }

  const sliceIndex = (view: SliceView) => cursor.value[axes.value[view]];
  const sliceCount = (view: SliceView) => geometry.value?.dims[axes.value[view]] ?? 0;

  /** Moves the crosshair, clamped into the volume; fractional positions round to the nearest voxel. */
  function setCursor(index: Vec3) {
    const g = geometry.value;
    if (!g) return;
    cursor.value = index.map((v, n) => Math.min(g.dims[n] - 1, Math.max(0, Math.round(v)))) as Vec3;
  }

  function setSlice(index: number, view: SliceView = activeView.value) {
    const next: Vec3 = [...cursor.value];
    next[axes.value[view]] = index;
    setCursor(next);
  }

  function scrollBy(delta: number, view: SliceView = activeView.value) {
    setSlice(sliceIndex(view) + delta, view);
  }

  /** Deltas are fractions of the value range (a drag across the whole view ≈ 1). */
  function adjustWindowLevel(windowFraction: number, levelFraction: number) {
    // The floor scales with the data, so float volumes with a 0–1 range can still be narrowed.
    windowWidth.value = Math.max(
      valueSpan.value / 1000,
      windowWidth.value + windowFraction * valueSpan.value,
    );
    windowLevel.value += levelFraction * valueSpan.value;
  }

  /** HU presets apply to CT only; on other modalities every preset means "auto". */
  /** HU presets mean something on CT only; on MR (no calibrated units) only Auto applies. */
  function presetAvailable(id: PresetId): boolean {
    return !presetById(id).hu || modality.value === 'CT';
  }

  function applyPreset(id: PresetId) {
    const preset = presetById(id);
    const wl = preset.hu && modality.value === 'CT' ? preset.hu : autoWindow;
    windowWidth.value = wl.window;
    windowLevel.value = wl.level;
  }

  function zoomBy(view: SliceView, factor: number) {
    zoom[view] = Math.min(40, Math.max(0.2, zoom[view] * factor));
  }

  function panBy(view: SliceView, dxMm: number, dyMm: number) {
    pan[view] = [pan[view][0] + dxMm, pan[view][1] + dyMm];
  }

  function resetCamera(view: SliceView) {
    zoom[view] = 1;
    pan[view] = [0, 0];
  }

  function toggleMaximised(view: ViewId) {
    maximised.value = maximised.value === view ? null : view;
  }

  return {
    geometry,
    axes,
    cursor,
    windowWidth,
    windowLevel,
    modality,
    zoom,
    pan,
    activeView,
    maximised,
    tool,
    brushRadiusMm,
    hover,
    hasSlices,
    reset,
    sliceIndex,
    sliceCount,
    setCursor,
    setSlice,
    scrollBy,
    adjustWindowLevel,
    applyPreset,
    presetAvailable,
    zoomBy,
    panBy,
    resetCamera,
    toggleMaximised,
  };
});
