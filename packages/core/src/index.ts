export { AppError, isAppError, errorMessage, type ErrorCode } from './errors.ts';
export { parseDuration, formatDuration, parseSize, formatBytes } from './units.ts';
export { editDistance, didYouMean } from './suggest.ts';
export { readFields, defaultValue, formatIssue, type FieldSpec, type FieldKind, type ConfigIssue } from './config-fields.ts';
export { startLoop, type Loop } from './loop.ts';
export { createLogger, REDACTED_KEYS, type Logger } from './logger.ts';
export { versionInfo, gitCommit, type VersionInfo } from './version.ts';
