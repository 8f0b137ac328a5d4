// One vtkImageData per label layer of the segmentation, wrapping the layer's typed array (never a
// copy), for as long as the calling scope lives. Every view's label slices read these same images;
// an edit bumps the layer's revision and the image is marked modified so each view re-uploads it.
import { onScopeDispose, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { Segmentation } from '../../../shared/volume';
import { tracked } from './liveObjects';

function layerImage(seg: Segmentation, layer: Uint8Array | Uint16Array): vtkImageData {
  const scalars = tracked(vtkDataArray.newInstance({ name: 'Labels', numberOfComponents: 1, values: layer }));
  const image = tracked(vtkImageData.newInstance());
  image.setDimensions(seg.dims);
  image.setSpacing(seg.spacingMm);
  image.setOrigin(seg.originLps);
  const [i, j, k] = seg.axesLps;
  image.setDirection([...i, ...j, ...k]);
  image.getPointData().setScalars(scalars);
  return image;
}

function dispose(images: vtkImageData[]) {
  for (const image of images) {
    image.getPointData().getScalars()?.delete();
    image.delete();
  }
}

export function useLabelImages(
  segmentation: Readonly<Ref<Segmentation | null>>,
  revisions: Readonly<Ref<number[]>>,
): Readonly<ShallowRef<vtkImageData[]>> {
  const images = shallowRef<vtkImageData[]>([]);
  let shownLayers: Segmentation['layers'] = [];

  watch(
    segmentation,
    (seg) => {
      // A new segment added to the same layers keeps the images; new layers replace them.
      const layers = seg?.layers ?? [];
      if (layers.length === shownLayers.length && layers.every((l, n) => l === shownLayers[n])) return;
      const previous = images.value;
      images.value = seg ? seg.layers.map((layer) => layerImage(seg, layer)) : [];
      shownLayers = layers;
      dispose(previous);
    },
    { immediate: true },
  );

  watch(revisions, (next, before) => {
    next.forEach((r, n) => {
      if (before && before[n] === r) return;
      const image = images.value[n];
      if (!image) return;
      image.getPointData().getScalars().modified();
      image.modified();
    });
  });

  onScopeDispose(() => {
    dispose(images.value);
    images.value = [];
  });
  return images;
}
