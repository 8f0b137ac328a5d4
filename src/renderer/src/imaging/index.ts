// The imaging/ folder's public surface: pure geometry and label-map logic of the viewer (other folders import it only from here).
export * from './axialAxis';
export * from './brush';
export * from './downsample';
export * from './editHistory';
export * from './labelLookup';
export * from './labelMask';
export * from './labelStats';
export * from './orientationLabels';
export * from './promptGeometry';
export * from './segmentationMerge';
export * from './versions';
export * from './viewCamera';
export * from './viewGeometry';
export * from './volumePresets';
export * from './windowLevel';
export * from './windowPresets';
