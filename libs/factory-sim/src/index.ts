export {
  extensionsFor,
  knownVersion,
  overlaysFor,
  SIM_VERSIONS,
  type SimExtension,
  type SimOverlay,
} from './catalog';
export { emptyQcow2, generateImage, type ImagePath, parseImagePath, QCOW2_VIRTUAL_SIZE } from './images';
export {
  type FactoryFault,
  type FactoryRequestRecord,
  type FactorySimulator,
  type FactorySimulatorOptions,
  startFactorySimulator,
} from './server';
export { xzStore } from './xz';
