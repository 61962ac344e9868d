export { AppError, isAppError, errorMessage, type ErrorCode, type ErrorInfo, type ErrorCatalogue } from './errors.ts';
export { CORE_ERRORS } from './error-codes.ts';
export { formatDuration, parseSize, formatBytes } from './units.ts';
export {
  parseDuration,
  tryDuration,
  parseMatcher,
  parseMatchers,
  matcherMatches,
  matchesAll,
  formatMatcher,
  parseEndpoints,
  parseHostPort,
  checkHostPort,
  hostPortHint,
  formatHostPort,
  isIPv4,
  isIPv6,
  type Matcher,
  type HostPort,
  type HostPortOptions,
} from './parse/index.ts';
export { editDistance, didYouMean } from './suggest.ts';
export { renderFieldTable, spliceFieldTable, type TableField } from './field-table.ts';
export {
  readFields,
  defaultValue,
  formatIssue,
  boundText,
  type FieldSpec,
  type FieldKind,
  type FieldValue,
  type FieldValues,
  type FieldInput,
  type FieldInputs,
  type ConfigIssue,
} from './config-fields.ts';
export { MIME_TYPES, mimeType } from './mime.ts';
export { parseCidr, ipListMatcher, unmapIPv4, type Cidr } from './ip-list.ts';
export { startLoop, type Loop } from './loop.ts';
export { createLogger, REDACTED_KEYS, type Logger } from './logger.ts';
export { versionInfo, gitCommit, type VersionInfo } from './version.ts';
