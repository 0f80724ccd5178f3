/**
 * One classifier per OpenFlow table: tuple space search with priorities,
 * staged lookup, prefix tries and wildcard tracking (classifier.ts), and the
 * linear reference that tests compare it with (linear.ts).
 */
export { Classifier, DEFAULT_PREFIX_FIELDS } from './classifier.js';
export type { ClassifierOptions, ClassifierStats } from './classifier.js';
export { LinearClassifier } from './linear.js';
export type { ClsRule } from './rule.js';
export { DEFAULT_STAGES } from './stages.js';
export type { StageLayout } from './stages.js';
export type { PrefixField } from './prefix-trie.js';
