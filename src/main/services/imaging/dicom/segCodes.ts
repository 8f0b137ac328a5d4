// The coded concepts a DICOM SEG carries: SNOMED CT segment categories and types (CID 7150/7151)
// from the anatomy catalogue, and the DCM codes of its derivation and algorithm family.
import { structureByName } from '../../../../shared/anatomy';

export interface CodedConcept {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

const sct = (code: string, meaning: string): CodedConcept => ({
  CodeValue: code,
  CodingSchemeDesignator: 'SCT',
  CodeMeaning: meaning,
});
// Segmented property categories, all SNOMED CT concepts listed in DICOM CID 7150
// (Segmentation Property Categories), with the code meanings DICOM gives them:
/** 123037004 |Body structure| — DICOM's "Anatomical Structure" category, for catalogue organs. */
const CATEGORY_ANATOMICAL_STRUCTURE = sct('123037004', 'Anatomical Structure');
/** 49755003 |Morphologically abnormal structure| — the category for lesions (CID 7150 meaning). */
const CATEGORY_MORPHOLOGICALLY_ABNORMAL = sct('49755003', 'Morphologically Altered Structure');
/**
 * 85756007 |Body tissue| — "Tissue" is both a CID 7150 category and a CID 7151 type. A structure without
 * a catalogue SNOMED code is written as Tissue/Tissue (as 3D Slicer does for generic segments): a valid,
 * deliberately unspecific concept; its name survives in SegmentLabel.
 */
const TISSUE = sct('85756007', 'Tissue');
/** 52988006 |Lesion| — the type for a morphologic structure that has no code of its own. */
const TYPE_LESION = sct('52988006', 'Lesion');

/** DCM 121322: the per-frame source reference's purpose (PS3.3 C.7.6.16.2.6 Derivation Image). */
export const PURPOSE_SOURCE_IMAGE: CodedConcept = {
  CodeValue: '121322',
  CodingSchemeDesignator: 'DCM',
  CodeMeaning: 'Source image for image processing operation',
};
/** DCM 113076: how each frame was derived (CID 7203). */
export const DERIVATION_SEGMENTATION: CodedConcept = {
  CodeValue: '113076',
  CodingSchemeDesignator: 'DCM',
  CodeMeaning: 'Segmentation',
};
/** DCM 123110 "Artificial Intelligence" (CID 7162): the family of the workstation's models. */
export const ALGORITHM_FAMILY_AI: CodedConcept = {
  CodeValue: '123110',
  CodingSchemeDesignator: 'DCM',
  CodeMeaning: 'Artificial Intelligence',
};

/** The catalogue's name for a segment and the SNOMED CT codes that say what it is. */
export function segmentCodes(name: string): { label: string; category: CodedConcept; type: CodedConcept } {
  const structure = structureByName(name);
  const label = structure?.name ?? name;
  if (structure?.category === 'morphologic') {
    const type = structure.snomed ? sct(structure.snomed.code, structure.snomed.meaning) : TYPE_LESION;
    return { label, category: CATEGORY_MORPHOLOGICALLY_ABNORMAL, type };
  }
  if (structure?.snomed) {
    return {
      label,
      category: CATEGORY_ANATOMICAL_STRUCTURE,
      type: sct(structure.snomed.code, structure.snomed.meaning),
    };
  }
  return { label, category: TISSUE, type: TISSUE };
}
