/**
 * The package's public entry point: `import { loadManifest, check } from 'outbox-chaos'`.
 *
 * PLACEHOLDER: the programmatic API (runScenario, loadManifest, check) is written separately; until
 * it lands this re-exports the pieces that already stand alone, so the package has a typed main
 * export to build, ship and test.
 */
export { loadManifest } from './sut/manifest.ts';
export type { SutDefinition } from './sut/definition.ts';
export { check, CHECKERS, verdictWord, type Verdict } from './checker/index.ts';
export type { Anomaly, AnomalyKind, Checker, CheckerResult, CheckInput, Validity } from './checker/index.ts';
