export { type ApplyOptions, type ApplyResult, applyPlan } from './apply/apply';
export { DEFAULT_BACKUP_ROOT, type Manifest, manifestSchema } from './apply/backup-set';
export { type RollbackOptions, type RollbackResult, rollbackLatest } from './apply/rollback';
export { unifiedDiff } from './diff/unified-diff';
export type { GpuHostErrorCode } from './error-codes';
export { readFactsBundle, stripProvenance, writeFactsBundle } from './facts/bundle';
export { collectFacts } from './facts/collect';
export {
  BUNDLE_FILES,
  isWatchedPath,
  type RawFacts,
  rawFactsSchema,
  WATCHED_DIRS,
  WATCHED_FILES,
} from './facts/raw-facts';
export type { CommandResult, DirEntry, FileInfo, Host } from './host/host';
export { LocalHost, type LocalHostOptions } from './host/local-host';
export { parseSshTarget, SshHost, type SshHostOptions } from './host/ssh-host';
export {
  decideMapping,
  desiredMapEntry,
  devicesFromApi,
  formatMapEntry,
  type MapEntry,
} from './mapping/map-entry';
export {
  type MappingApi,
  type SyncMappingOptions,
  type SyncMappingResult,
  syncGpuMapping,
} from './mapping/sync-mapping';
export { type PciDevice, parseLspci } from './parse/lspci';
export { type Bootloader, type BootloaderKind, decideBootloader } from './plan/bootloader';
export { OWNED_FILES } from './plan/module-files';
export { type PlanOptions, type PlanOptionsInput, planOptionsSchema } from './plan/options';
export { type FileChange, type HostPlan, INITRAMFS_COMMAND, planHost } from './plan/planner';
export { formatPlan, formatVerify } from './report';
export {
  expandPath,
  type GpuConfig,
  type GpuHostFlags,
  type GpuHostSettings,
  type HostTarget,
  resolveSettings,
} from './settings';
export { lastApplied, type VerifyCheck, type VerifyResult, verifyFacts } from './verify/verify';
