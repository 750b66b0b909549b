/** Scoring: DAVIS J and F, id switches and IDF1, shared by the benchmark and `dino-track eval`. */
export { boundaryTolerance, getBoundary, getBoundaryF, getJaccard } from './region-boundary.js';
export { createSequenceScorer, type ScoringProtocol, scoringProtocols, type SequenceScore, type SequenceScorer } from './sequence-score.js';
export { assignOptimally } from './optimal-assignment.js';
