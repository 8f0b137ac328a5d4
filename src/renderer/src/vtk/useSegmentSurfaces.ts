// Segments as coloured surfaces in the 3D view: marching cubes on each visible segment's cropped
// mask, computed lazily (only while surfaces are shown, one segment per task so the UI stays live)
// and again half a second after an edit to its layer. Actors are deleted with the calling scope.
import { onScopeDispose, watch, type Ref } from 'vue';
import vtkActor from '@kitware/vtk.js/Rendering/Core/Actor';
import vtkMapper from '@kitware/vtk.js/Rendering/Core/Mapper';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkImageMarchingCubes from '@kitware/vtk.js/Filters/General/ImageMarchingCubes';
import type vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData';
import type { Segmentation, SegmentInfo } from '../../../shared/volume';
import { cropMask, indexToLpsInPlace } from '../imaging';
import type { VtkView } from './useVtkView';
import { tracked } from './liveObjects';

interface Surface {
  actor: vtkActor;
  mapper: vtkMapper;
  polyData: vtkPolyData | null;
  revision: number;
}

/** Work per task before yielding to the page, so scrolling and clicks stay responsive. */
const budgetMs = 25;

export interface SurfaceInputs {
  segmentation: Readonly<Ref<Segmentation | null>>;
  revisions: Readonly<Ref<number[]>>;
  /** Values of the segments to show. */
  visible: Readonly<Ref<number[]>>;
  enabled: Readonly<Ref<boolean>>;
}

function surfaceOf(seg: Segmentation, info: SegmentInfo): vtkPolyData | null {
  const cropped = cropMask(seg.dims, seg.layers[info.layer], info.value);
  if (!cropped) return null;
  const image = vtkImageData.newInstance();
  image.setDimensions(cropped.dims);
  image.setOrigin(cropped.offset);
  image.setSpacing([1, 1, 1]);
  const scalars = vtkDataArray.newInstance({ numberOfComponents: 1, values: cropped.mask });
  image.getPointData().setScalars(scalars);
  const mc = vtkImageMarchingCubes.newInstance({
    contourValue: 0.5,
    computeNormals: true,
    mergePoints: true,
  });
  mc.setInputData(image);
  const polyData = mc.getOutputData() as vtkPolyData;
  // Marching cubes works in index units here; the grid's direction and spacing are applied after.
  const normals = polyData.getPointData().getNormals()?.getData() as Float32Array | undefined;
  indexToLpsInPlace(seg, polyData.getPoints().getData() as Float32Array, normals);
  polyData.getPoints().modified();
  polyData.modified();
  mc.delete();
  scalars.delete();
  image.delete();
  return tracked(polyData);
}

export function useSegmentSurfaces(view: VtkView, inputs: SurfaceInputs) {
  const surfaces = new Map<number, Surface>();
  let shownSegmentation: Segmentation | null = null;
  let timer = 0;
  let shownLayers: Segmentation['layers'] = [];

  function disposeSurface(s: Surface) {
    view.renderer.removeActor(s.actor);
    s.actor.delete();
    s.mapper.delete();
    s.polyData?.delete();
  }

  function clear() {
    for (const s of surfaces.values()) disposeSurface(s);
    surfaces.clear();
  }

  /**
   * Brings stale or missing visible surfaces up to date for up to `budgetMs`, then yields to the
   * page and continues. The view is rendered once all are done: with volume rendering on, one frame
   * in software WebGL costs more than a surface.
   */
  function step() {
    timer = 0;
    const seg = inputs.segmentation.value;
    if (!seg || !inputs.enabled.value) return;
    const wanted = new Set(inputs.visible.value);
    for (const [value, s] of surfaces) s.actor.setVisibility(wanted.has(value));
    const started = performance.now();
    for (;;) {
      const stale = seg.segments.find((info) => {
        if (!wanted.has(info.value)) return false;
        const s = surfaces.get(info.value);
        return !s || s.revision !== inputs.revisions.value[info.layer];
      });
      if (!stale) break;
      update(seg, stale);
      if (performance.now() - started > budgetMs) {
        schedule(0);
        return;
      }
    }
    view.requestRender();
  }

  function update(seg: Segmentation, info: SegmentInfo) {
    let s = surfaces.get(info.value);
    if (!s) {
      const mapper = tracked(vtkMapper.newInstance());
      const actor = tracked(vtkActor.newInstance());
      actor.setMapper(mapper);
      actor.getProperty().setColor(...(info.colorRgb.map((c) => c / 255) as [number, number, number]));
      actor.getProperty().setSpecular(0.2);
      view.renderer.addActor(actor);
      s = { actor, mapper, polyData: null, revision: -1 };
      surfaces.set(info.value, s);
    }
    s.polyData?.delete();
    s.polyData = surfaceOf(seg, info);
    s.revision = inputs.revisions.value[info.layer];
    if (s.polyData) s.mapper.setInputData(s.polyData);
    s.actor.setVisibility(!!s.polyData);
  }

  function schedule(delay: number) {
    if (timer) clearTimeout(timer);
    timer = window.setTimeout(step, delay);
  }

  watch(
    [inputs.segmentation, inputs.visible, inputs.enabled],
    ([seg, , enabled]) => {
      const layers = seg?.layers ?? [];
      const sameLayers = layers.length === shownLayers.length && layers.every((l, n) => l === shownLayers[n]);
      if (seg !== shownSegmentation && !sameLayers) clear();
      shownSegmentation = seg;
      shownLayers = layers;
      if (!enabled) for (const s of surfaces.values()) s.actor.setVisibility(false);
      view.requestRender();
      schedule(0);
    },
    { immediate: true },
  );
  // Edits: recompute once the brush has rested for a moment, not on every dab.
  watch(inputs.revisions, () => schedule(500));

  onScopeDispose(() => {
    if (timer) clearTimeout(timer);
    clear();
  });
}
