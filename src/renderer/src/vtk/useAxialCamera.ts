// Points the view's parallel camera at an image the radiological way (from the feet, anterior up)
// and fits the slice to the view; re-fits when the image or the view size changes.
import { watch, type Ref } from 'vue';
import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { Vec3 } from '../../../shared/volume';
import { axialOrientation } from '../imaging/axialAxis';
import type { VtkView } from './useVtkView';

const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** World positions of the eight corners of the image's voxel-centre box. */
function corners(image: vtkImageData): Vec3[] {
  const [ni, nj, nk] = image.getDimensions();
  const out: Vec3[] = [];
  for (const i of [0, ni - 1])
    for (const j of [0, nj - 1])
      for (const k of [0, nk - 1]) out.push(image.indexToWorld([i, j, k], [0, 0, 0]) as Vec3);
  return out;
}

export function useAxialCamera(view: VtkView, image: Readonly<Ref<vtkImageData | null>>) {
  function fit() {
    const img = image.value;
    const [width, height] = view.size.value;
    if (!img || width === 0 || height === 0) return;
    const direction = img.getDirection();
    const {
      directionOfProjection,
      viewUp,
      viewRight: right,
    } = axialOrientation({
      axesLps: [
        [direction[0], direction[1], direction[2]],
        [direction[3], direction[4], direction[5]],
        [direction[6], direction[7], direction[8]],
      ],
    });
    const points = corners(img);
    const centre = points
      .reduce((sum, p) => [sum[0] + p[0], sum[1] + p[1], sum[2] + p[2]] as Vec3, [0, 0, 0] as Vec3)
      .map((v) => v / points.length) as Vec3;
    const extent = (axis: Vec3) => {
      const values = points.map((p) => dot(p, axis));
      return Math.max(...values) - Math.min(...values);
    };
    const depth = extent(directionOfProjection) + 1;
    // Fit the voxel-centre box with a 4% margin, whichever of width and height is the tighter.
    const halfHeight = Math.max(extent(viewUp) / 2, extent(right) / 2 / (width / height)) * 1.04 || 1;

    const camera = view.renderer.getActiveCamera();
    camera.setParallelProjection(true);
    camera.setFocalPoint(...centre);
    camera.setPosition(
      centre[0] - directionOfProjection[0] * depth,
      centre[1] - directionOfProjection[1] * depth,
      centre[2] - directionOfProjection[2] * depth,
    );
    camera.setViewUp(...viewUp);
    camera.setParallelScale(halfHeight);
    view.renderer.resetCameraClippingRange();
    view.requestRender();
  }

  watch([image, view.size], fit, { immediate: true });
  return { fit };
}
