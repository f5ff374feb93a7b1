/**
 * Every code @infra/molecule throws (the base images and the scenario runs).
 * Raise them as `new InfraError<MoleculeErrorCode>(code, ...)` and check them with
 * `isInfraError<MoleculeErrorCode>(error, code)`: a misspelt code is then a type error.
 */
export type MoleculeErrorCode =
  | 'BASE_IMAGE_FAILED'
  | 'BASE_IMAGE_LOCKED'
  | 'MOLECULE_FAILED'
  | 'MOLECULE_SCENARIO_MISSING';
