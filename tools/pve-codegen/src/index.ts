export { generate, SCHEMA_FILE_NAME } from './generate';
export { perlPatternToJs } from './perl-regex';
export { formatFromTypetext } from './typetext-format';
