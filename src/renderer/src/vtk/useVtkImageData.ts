// Our Volume as a vtkImageData in patient LPS millimetres, for as long as the calling scope lives.
// The voxel array is wrapped, not copied: vtkDataArray keeps the typed array it is given.
import { onScopeDispose, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { Volume } from '../../../shared/volume';
import { tracked } from './liveObjects';

export function toVtkImageData(volume: Volume): vtkImageData {
  const scalars = tracked(
    vtkDataArray.newInstance({ name: 'Scalars', numberOfComponents: 1, values: volume.voxels }),
  );
  const image = tracked(vtkImageData.newInstance());
  image.setDimensions(volume.dims);
  image.setSpacing(volume.spacingMm);
  image.setOrigin(volume.originLps);
  // vtk.js stores direction so that its first three values are the world direction of index i,
  // which is exactly row 0 of axesLps; flattening the rows is therefore the whole conversion.
  const [i, j, k] = volume.axesLps;
  image.setDirection([...i, ...j, ...k]);
  image.getPointData().setScalars(scalars);
  return image;
}

function dispose(image: vtkImageData) {
  image.getPointData().getScalars()?.delete();
  image.delete();
}

export function useVtkImageData(
  volume: Readonly<Ref<Volume | null>>,
): Readonly<ShallowRef<vtkImageData | null>> {
  const image = shallowRef<vtkImageData | null>(null);

  watch(
    volume,
    (next) => {
      const previous = image.value;
      image.value = next ? toVtkImageData(next) : null;
      // Watchers move the mapper to the new image before the next frame renders, so the old one can go.
      if (previous) dispose(previous);
    },
    { immediate: true },
  );

  onScopeDispose(() => {
    if (image.value) dispose(image.value);
    image.value = null;
  });
  return image;
}
