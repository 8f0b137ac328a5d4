// The image and label layers every view shows, created once by the reading layout and handed to its
// views: voxel data is wrapped once and shared, never copied per view.
import { inject, provide, type InjectionKey, type ShallowRef } from 'vue';
import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import { storeToRefs } from 'pinia';
import { useStudiesStore } from '../stores/studies';
import { useSegmentationStore } from '../stores/segmentation';
import { useVtkImageData } from './useVtkImageData';
import { useLabelImages } from './useLabelImages';

export interface SharedImages {
  image: Readonly<ShallowRef<vtkImageData | null>>;
  labels: Readonly<ShallowRef<vtkImageData[]>>;
}

const key: InjectionKey<SharedImages> = Symbol('shared vtk images');

export function provideSharedImages(): SharedImages {
  const { volume, voxelsRevision, valueRange } = storeToRefs(useStudiesStore());
  const { segmentation, revisions } = storeToRefs(useSegmentationStore());
  const shared = {
    image: useVtkImageData(volume, { revision: voxelsRevision, range: valueRange }),
    labels: useLabelImages(segmentation, revisions),
  };
  provide(key, shared);
  return shared;
}

export function injectSharedImages(): SharedImages {
  const shared = inject(key);
  if (!shared) throw new Error('injectSharedImages() outside a reading layout');
  return shared;
}
