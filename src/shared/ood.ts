// How far a run's input lies from what the model was trained on, per study and per structure
// (issue 14, item 8): what the CLI prints in its JSON and the segment list shows beside each
// structure. Scores are ratios to calibrated thresholds: 1 or more means "do not trust".

export interface StructureOod {
  /** Label value of the segment (catalogue id). */
  value: number;
  name: string;
  /** Model-grid pixels the structure was predicted at. */
  pixels: number;
  /** Mean predictive entropy of the decoder over those pixels, 0 (certain) to 1 (uniform). */
  entropy: number;
  /** Embedding distance of the slices it was found on, weighted by its pixels there. */
  distance: number;
  /** max(distance / distance threshold, entropy / entropy threshold). */
  score: number;
  flagged: boolean;
}

export interface StudyOod {
  /** Median over slices of the encoder embeddings' distance to the training slices' (1 ≈ typical). */
  distance: number;
  /** distance / calibrated threshold. */
  score: number;
  flagged: boolean;
  slices: number;
  /** Slices whose own distance reaches the threshold. */
  slicesFlagged: number;
  structures: StructureOod[];
  thresholds: { distance: number; entropy: number };
}
