// The ai/ folder's public surface: what the model panel and the run summaries say about models and runs (other folders import it only from here).
export * from './modelFacts';
export * from './runSummary';
export * from './studySource';
