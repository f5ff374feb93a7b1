export type { MoleculeErrorCode } from './error-codes';
export { runMoleculeScenario } from './run';
