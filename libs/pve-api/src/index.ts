export type { PveApiErrorCode } from './error-codes';
export { checkFormat, FORMAT_CHECKS } from './formats';
export * from './generated/endpoints';
export * from './generated/meta';
export * from './generated/requests';
export * from './generated/responses';
export { indexedEntries, indexedKey, lookupParam, nextFreeIndex, parseIndexedKey } from './indexed';
export { apiPath, fillPath, matchPath, type PathMatch } from './match-path';
export {
  defaultKeyOf,
  encodePropertyString,
  fromPveBoolean,
  type PropertyStringFormatName,
  type PropertyStringScalar,
  parsePropertyString,
  splitPropertyString,
  toPveBoolean,
} from './property-string';
export * from './response-scalars';
export type * from './table-types';
export { decodeTaskId, decodeUpid, encodeTaskId, encodeUpid, isUpid, type Upid } from './upid';
export { type ParamErrors, UNKNOWN_ENDPOINT_KEY, validateRequest } from './validate';
