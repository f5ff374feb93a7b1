export { type BuildOptions, type BuiltBinary, binaryPath, ensureTalosSimBinary } from './build';
export {
  findRunningTalosSim,
  startTalosSim,
  stopRunningTalosSim,
  type TalosSim,
  type TalosSimOptions,
} from './process';
export {
  applyConfigurationCount,
  type NodeRecord,
  readAppliedConfig,
  readInlineManifests,
  readNodeRecords,
} from './records';
export { sourceHash } from './source';
