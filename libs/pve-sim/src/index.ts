export type { Accounts } from './auth/accounts';
export {
  ensureSimAccounts,
  findRunning,
  issueSimToken,
  parseFaultsArgument,
  resetSim,
  setSimPassword,
  startDetached,
  stopSim,
} from './control';
export type { PveSimErrorCode } from './error-codes';
export { type FaultRule, faultRulesSchema } from './faults';
export type { RequestLogEntry } from './request-log';
export { type Simulator, type SimulatorOptions, startSimulator } from './simulator';
export { dataOf, simRequest, waitForTask } from './testing/client';
