// Our Volume as a vtkImageData in patient LPS millimetres, for as long as the calling scope lives.
// The voxel array is wrapped, not copied: vtkDataArray keeps the typed array it is given.
import { onScopeDispose, shallowRef, triggerRef, watch, type Ref, type ShallowRef } from 'vue';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { Volume } from '../../../shared/volume';
import { tracked } from './liveObjects';

/**
 * `range`: the volume's value range where it is known beforehand (a streaming volume): vtk.js then
 * never scans the voxels for it, and textures keep one scale while slices arrive.
 */
export function toVtkImageData(volume: Volume, range?: [number, number] | null): vtkImageData {
  const scalars = tracked(
    vtkDataArray.newInstance({ name: 'Scalars', numberOfComponents: 1, values: volume.voxels }),
  );
  if (range) scalars.setRange({ min: range[0], max: range[1] }, 0);
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

export interface StreamingVoxels {
  /** Bumped whenever more voxels of the same array have arrived. */
  revision: Readonly<Ref<number>>;
  range: Readonly<Ref<[number, number] | null>>;
}

export function useVtkImageData(
  volume: Readonly<Ref<Volume | null>>,
  streaming?: StreamingVoxels,
): Readonly<ShallowRef<vtkImageData | null>> {
  const image = shallowRef<vtkImageData | null>(null);

  if (streaming) {
    watch(streaming.revision, () => {
      if (!image.value) return;
      // modified() keeps the range set above (dataChange() would rescan 100 M voxels); the mappers
      // see a newer mtime and re-upload, and triggering the ref tells every view to redraw.
      image.value.getPointData().getScalars().modified();
      image.value.modified();
      triggerRef(image);
    });
    // A range measured once every slice is in replaces the declared one the image was made with.
    watch(streaming.range, (range) => {
      if (!image.value || !range) return;
      image.value.getPointData().getScalars().setRange({ min: range[0], max: range[1] }, 0);
      image.value.getPointData().getScalars().modified();
      image.value.modified();
      triggerRef(image);
    });
  }

  watch(
    volume,
    (next) => {
      const previous = image.value;
      image.value = next ? toVtkImageData(next, streaming?.range.value) : null;
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
