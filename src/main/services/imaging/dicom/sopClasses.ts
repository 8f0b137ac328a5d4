// What kind of object a SOP class is, so that non-images are named in the message that skips them.

export const segmentationStorage = '1.2.840.10008.5.1.4.1.1.66.4';

const nonImageClasses: Record<string, string> = {
  '1.2.840.10008.1.3.10': 'DICOMDIR (media directory)',
  '1.2.840.10008.5.1.4.1.1.11.1': 'Grayscale Softcopy Presentation State',
  '1.2.840.10008.5.1.4.1.1.11.2': 'Color Softcopy Presentation State',
  '1.2.840.10008.5.1.4.1.1.11.3': 'Pseudo-Color Softcopy Presentation State',
  '1.2.840.10008.5.1.4.1.1.11.4': 'Blending Softcopy Presentation State',
  '1.2.840.10008.5.1.4.1.1.66': 'Raw Data object',
  '1.2.840.10008.5.1.4.1.1.66.1': 'Spatial Registration',
  '1.2.840.10008.5.1.4.1.1.66.2': 'Spatial Fiducials object',
  '1.2.840.10008.5.1.4.1.1.66.3': 'Deformable Spatial Registration',
  '1.2.840.10008.5.1.4.1.1.66.5': 'Surface Segmentation',
  '1.2.840.10008.5.1.4.1.1.67': 'Real World Value Mapping',
  '1.2.840.10008.5.1.4.1.1.88.59': 'Key Object Selection Document',
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF',
  '1.2.840.10008.5.1.4.1.1.104.2': 'Encapsulated CDA',
  '1.2.840.10008.5.1.4.1.1.104.3': 'Encapsulated STL',
  '1.2.840.10008.5.1.4.1.1.104.4': 'Encapsulated OBJ',
  '1.2.840.10008.5.1.4.1.1.104.5': 'Encapsulated MTL',
  '1.2.840.10008.5.1.4.1.1.481.3': 'RT Structure Set',
  '1.2.840.10008.5.1.4.1.1.481.4': 'RT Beams Treatment Record',
  '1.2.840.10008.5.1.4.1.1.481.5': 'RT Plan',
  '1.2.840.10008.5.1.4.1.1.481.8': 'RT Ion Plan',
};

/** A name for a SOP class that is not an image, or undefined when it may be one. */
export function nonImageObjectName(sopClassUid: string): string | undefined {
  const known = nonImageClasses[sopClassUid];
  if (known) return known;
  // Structured reports share one branch of the SOP class tree (PS3.4 Annex B).
  if (sopClassUid.startsWith('1.2.840.10008.5.1.4.1.1.88.')) return 'Structured Report';
  if (sopClassUid.startsWith('1.2.840.10008.5.1.4.1.1.9.')) return 'Waveform';
  return undefined;
}
