/** ApiError is a failed API call with the monitor's stable code, message, field and hint. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly hint: string | undefined;
  /** details is the whole error object of the answer: some codes carry more (a 409 MON_KV_CONFLICT its `current` key). */
  readonly details: Record<string, unknown> | undefined;
  constructor(status: number, code: string, message: string, field?: string, hint?: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.hint = hint;
    this.details = details;
  }
}

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** onUnauthorized registers a listener called whenever the API answers 401 (the shell then shows the login page). */
export function onUnauthorized(fn: UnauthorizedListener): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

/** apiFetch calls the monitor API under /api/v1 and returns the parsed JSON, or throws an ApiError that reads well. */
export async function apiFetch<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: init.body !== undefined ? { 'content-type': 'application/json' } : {},
      body: init.body !== undefined ? JSON.stringify(init.body) : null,
      credentials: 'same-origin',
      signal: init.signal ?? null,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'The monitor did not answer.', undefined, 'Check that etcd-monitor is running and reachable, then retry.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // A proxy in front of the monitor may answer with HTML; the status line is then the best message.
  }
  if (!res.ok) {
    const e = (body as { error?: { code?: string; message?: string; field?: string; hint?: string } } | undefined)?.error;
    if (res.status === 401) for (const fn of unauthorizedListeners) fn();
    throw new ApiError(
      res.status,
      e?.code ?? `HTTP_${res.status}`,
      e?.message ?? `The monitor answered ${res.status} ${res.statusText}.`,
      e?.field,
      e?.hint,
      e as Record<string, unknown> | undefined,
    );
  }
  return body as T;
}

/** errorText turns any thrown value into one readable sentence with the hint appended. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.hint ? `${err.message} — ${err.hint}` : err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
