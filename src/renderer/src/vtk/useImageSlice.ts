// One slice of an image shown in a view: vtkImageMapper + vtkImageSlice, added to the view's
// renderer while there is an image and removed and deleted with the calling scope.
import { onScopeDispose, watch, watchEffect, type Ref } from 'vue';
import vtkImageMapper from '@kitware/vtk.js/Rendering/Core/ImageMapper';
import vtkImageSlice from '@kitware/vtk.js/Rendering/Core/ImageSlice';
import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { IndexAxis } from '../imaging';
import type { VtkView } from './useVtkView';
import { tracked } from './liveObjects';

export interface ImageSliceState {
  axis: Readonly<Ref<IndexAxis>>;
  index: Readonly<Ref<number>>;
  window: Readonly<Ref<number>>;
  level: Readonly<Ref<number>>;
}

export function useImageSlice(
  view: VtkView,
  image: Readonly<Ref<vtkImageData | null>>,
  state: ImageSliceState,
) {
  const mapper = tracked(vtkImageMapper.newInstance());
  const actor = tracked(vtkImageSlice.newInstance());
  actor.setMapper(mapper);
  // Nearest neighbour: a reader must see voxels as acquired, not smoothed.
  actor.getProperty().setInterpolationTypeToNearest();

  watch(
    image,
    (next) => {
      if (next) {
        mapper.setInputData(next);
        if (!view.renderer.hasViewProp(actor)) view.renderer.addActor(actor);
      } else {
        view.renderer.removeActor(actor);
      }
      view.requestRender();
    },
    { immediate: true },
  );

  watchEffect(() => {
    // SlicingMode I/J/K equal our index axes 0/1/2.
    mapper.setSlicingMode(state.axis.value);
    mapper.setSlice(state.index.value);
    actor.getProperty().setColorWindow(state.window.value);
    actor.getProperty().setColorLevel(state.level.value);
    view.requestRender();
  });

  onScopeDispose(() => {
    view.renderer.removeActor(actor);
    actor.delete();
    mapper.delete();
  });

  return { mapper, actor };
}
