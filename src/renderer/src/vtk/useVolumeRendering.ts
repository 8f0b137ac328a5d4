// Volume rendering of the shared image in a 3D view: vtkVolume + vtkVolumeMapper with colour and
// opacity functions from imaging/volumePresets.ts; deleted with the calling scope.
import { onScopeDispose, watch, watchEffect, type Ref } from 'vue';
import vtkVolume from '@kitware/vtk.js/Rendering/Core/Volume';
import vtkVolumeMapper from '@kitware/vtk.js/Rendering/Core/VolumeMapper';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction';
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction';
import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import type { VolumeTransfer } from '../imaging';
import type { VtkView } from './useVtkView';
import { tracked } from './liveObjects';

export function useVolumeRendering(
  view: VtkView,
  image: Readonly<Ref<vtkImageData | null>>,
  transfer: Readonly<Ref<VolumeTransfer | null>>,
  visible: Readonly<Ref<boolean>>,
) {
  const mapper = tracked(vtkVolumeMapper.newInstance());
  const actor = tracked(vtkVolume.newInstance());
  const colors = tracked(vtkColorTransferFunction.newInstance());
  const opacities = tracked(vtkPiecewiseFunction.newInstance());
  actor.setMapper(mapper);
  const property = actor.getProperty();
  property.setRGBTransferFunction(0, colors);
  property.setScalarOpacity(0, opacities);
  property.setInterpolationTypeToLinear();
  property.setShade(true);
  property.setAmbient(0.2);
  property.setDiffuse(0.7);
  property.setSpecular(0.3);

  watch(
    image,
    (next) => {
      if (next) {
        mapper.setInputData(next);
        // About one sample per voxel along the ray: sharper is not visible, slower is.
        const spacing = next.getSpacing();
        mapper.setSampleDistance(Math.max(0.5, Math.min(...spacing)));
        property.setScalarOpacityUnitDistance(0, Math.max(...spacing));
        if (!view.renderer.hasViewProp(actor)) view.renderer.addVolume(actor);
      } else {
        view.renderer.removeVolume(actor);
      }
      view.requestRender();
    },
    { immediate: true },
  );

  watchEffect(() => {
    const t = transfer.value;
    actor.setVisibility(visible.value && !!t);
    if (t) {
      colors.removeAllPoints();
      for (const [v, r, g, b] of t.colors) colors.addRGBPoint(v, r, g, b);
      opacities.removeAllPoints();
      for (const [v, a] of t.opacities) opacities.addPoint(v, a);
    }
    view.requestRender();
  });

  onScopeDispose(() => {
    view.renderer.removeVolume(actor);
    actor.delete();
    mapper.delete();
    colors.delete();
    opacities.delete();
  });
}
