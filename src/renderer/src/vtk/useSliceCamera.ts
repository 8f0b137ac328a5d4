// Points a 2D view's parallel camera the way imaging/viewCamera.ts computes it (radiological
// orientation, fitted, zoomed and panned), whenever any of those inputs or the view size changes.
import { computed, watchEffect, type Ref } from 'vue';
import type { VolumeGeometry } from '../../../shared/volume';
import { fitCamera, type CameraState, type ViewOrientation } from '../imaging';
import type { VtkView } from './useVtkView';

export function useSliceCamera(
  view: VtkView,
  geometry: Readonly<Ref<VolumeGeometry | null>>,
  orientation: Readonly<Ref<ViewOrientation | null>>,
  zoom: Readonly<Ref<number>>,
  pan: Readonly<Ref<[number, number]>>,
): Readonly<Ref<CameraState | null>> {
  const camera = computed(() => {
    const g = geometry.value;
    const o = orientation.value;
    const [width, height] = view.size.value;
    if (!g || !o || !width || !height) return null;
    return fitCamera(g, o, { width, height }, zoom.value, pan.value);
  });

  watchEffect(() => {
    const c = camera.value;
    const o = orientation.value;
    const g = geometry.value;
    if (!c || !o || !g) return;
    const depth = Math.max(...g.dims.map((d, n) => d * g.spacingMm[n])) + 10;
    const vtkCamera = view.renderer.getActiveCamera();
    vtkCamera.setParallelProjection(true);
    vtkCamera.setFocalPoint(...c.focalPoint);
    vtkCamera.setPosition(
      c.focalPoint[0] - o.directionOfProjection[0] * depth,
      c.focalPoint[1] - o.directionOfProjection[1] * depth,
      c.focalPoint[2] - o.directionOfProjection[2] * depth,
    );
    vtkCamera.setViewUp(...o.viewUp);
    vtkCamera.setParallelScale(c.parallelScale);
    // Fixed clipping range: the whole volume lies within `depth` of the focal point either way.
    vtkCamera.setClippingRange(1, 2 * depth);
    view.requestRender();
  });

  return camera;
}
