export { ADMIN_KEY_FILE, type TokenRequest } from './admin';
export { type Accounts, accountsSchema } from './auth/accounts';
export { BUILTIN_ROLES, PRIVILEGES } from './auth/roles';
export {
  ensureSimAccounts,
  findRunning,
  issueSimToken,
  parseFaultsArgument,
  type RunningInfo,
  resetSim,
  setSimPassword,
  startDetached,
  stopSim,
} from './control';
export type { Timing } from './core';
export type { PveSimErrorCode } from './error-codes';
export { FaultInjector, type FaultRule, faultRuleSchema, faultRulesSchema } from './faults';
export type { RequestLogEntry } from './request-log';
export {
  DEFAULT_TIMING,
  type IssuedToken,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from './simulator';
export type { SimState } from './state/schema';
export {
  dataOf,
  type SimEndpoint,
  type SimRequestOptions,
  type SimResponse,
  simRequest,
  waitForTask,
} from './testing/client';
export { fingerprintOf, type TlsMaterial } from './tls';
export { officialSchemaValidator, type RequestValidator } from './validation';
