export { checkPackerFiles, writePackerFiles } from './files';
