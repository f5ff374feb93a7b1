export {
  type AnswerFileInput,
  DRIVE_LETTERS,
  driverPaths,
  renderAutounattend,
  SETUP_SCRIPT,
  VIRTIO_DRIVERS,
} from './autounattend';
export { xmlEscape } from './xml';
