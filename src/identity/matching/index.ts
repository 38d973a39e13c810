/**
 * Probabilistic matching: joins records that share no key. A Fellegi-Sunter
 * model compares candidate pairs (chosen by blocking rules) field by field
 * into comparison levels, weighs each level by log2(m/u) with m and u learnt
 * without labels (EM and random pairs), adjusts exact matches by term
 * frequency, and clusters the scored pairs so that one weak link cannot chain
 * two people together.
 *
 * Invariants: no step looks at ground truth; the same input, config and seed
 * give the same clusters; every pair's weight can be explained field by field
 * (PairScorer.explain).
 */

export { compileRule, forEachCandidatePair, type BlockingStats, type CompiledRule, type PairScope } from './blocking.js';
export { clusterRecords, type ClusterInput, type Clustering } from './clustering.js';
export { defaultLevels, fieldComparator, NULL_LEVEL, type FieldComparator, type LevelInfo } from './comparators.js';
export { loadMatchConfig, missingColumns, parseMatchConfig, thresholds, trainingSettings } from './config.js';
export { codePatterns, expectationMaximisation, PatternCounter, type CodedPatterns, type MixtureParameters, type PatternSet } from './em.js';
export { detectDependence, factorCode, makeFactor, type Factor, type FactorValues } from './factors.js';
export { evaluateClusters, type Accuracy } from './evaluation.js';
export { fieldValues, type FieldValues } from './field-values.js';
export { runMatching, type MatchProgress, type MatchRun, type MatchRunOptions } from './matcher.js';
export { log2Odds, PairScorer, probabilityOf, type FactorContribution, type FactorModel, type MatchModel, type PairExplanation } from './model.js';
export { PairBuffer } from './pair-buffer.js';
export { parseTable, readTable, TableReadError } from './read-table.js';
export { concatTables, tableFromRows, withSourceColumn, type RecordTable } from './record-table.js';
export { jaroWinkler, levenshtein } from './string-similarity.js';
