// The vtk/ folder's public surface: composables that own vtk.js objects for a Vue scope's lifetime.
export { useVtkView, type VtkView } from './useVtkView';
export { useVtkImageData, toVtkImageData } from './useVtkImageData';
export { useImageSlice, type ImageSliceState } from './useImageSlice';
export { useSliceCamera } from './useSliceCamera';
export { useLabelSlice } from './useLabelSlice';
export { provideSharedImages, injectSharedImages, type SharedImages } from './sharedImages';
export { liveVtkObjects } from './liveObjects';
export { useVolumeRendering } from './useVolumeRendering';
export { useTrackball } from './useTrackball';
export { useSegmentSurfaces } from './useSegmentSurfaces';
