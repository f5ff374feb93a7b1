export { generateFile, type Media, type MirrorFile, mirrorFiles } from './catalog';
export { buildIso9660, isoLabel } from './iso9660';
export {
  type ImageMirror,
  type ImageMirrorOptions,
  type MirroredFile,
  mirroredImages,
  startImageMirror,
} from './server';
