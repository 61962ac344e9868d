export { AppError, isAppError, errorMessage, type ErrorCode } from './errors.ts';
export { parseDuration, formatDuration, parseSize, formatBytes } from './units.ts';
