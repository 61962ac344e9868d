/** ErrorCode is a stable, documented identifier of one kind of failure (`ETCD_…`, `MON_…`, `GW_…`, `CLI_…`). */
export type ErrorCode = `${'CORE' | 'ETCD' | 'MON' | 'GW' | 'CLI'}_${string}`;

/** AppError is the one error type the packages throw on purpose: a stable code, a message naming the problem, and an optional hint naming the fix. */
export class AppError extends Error {
  /** code is the stable identifier callers and API clients match on. */
  readonly code: ErrorCode;
  /** hint is one line telling the user how to fix the problem, when there is one. */
  readonly hint: string | undefined;
  /** field is the flag, config key or request field the error is about, when there is one. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; field?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.hint = opts.hint;
    this.field = opts.field;
  }
}

/** isAppError tells whether a value is an AppError, optionally with the given code. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}

/** errorMessage renders any thrown value as one line, without a stack trace. */
export function errorMessage(err: unknown): string {
  if (err instanceof AppError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** ErrorInfo is one entry of a package's error catalogue: what the code means and, where it has one, the HTTP status it answers with. */
export interface ErrorInfo {
  /** meaning is one line saying what went wrong. */
  meaning: string;
  /** status is the HTTP status an API or proxy answer with this code carries, where it has one. */
  status?: number;
}

/** ErrorCatalogue lists every code a package throws (`CORE_…`, `ETCD_…`, `MON_…`, `GW_…`, `CLI_…`), each with its meaning. */
export type ErrorCatalogue = Readonly<Record<ErrorCode, ErrorInfo>>;
