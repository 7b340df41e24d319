/**
 * The one way the dashboard talks to alerts-service: same-origin `fetch` with the session cookie,
 * JSON bodies, and every failure turned into an {@link ApiError} carrying the server's
 * `{"error": {"code", "message", "details"}}` (DESIGN §6). The server checks `Origin` against
 * CSRF, so there is no token to attach.
 */

/** One problem with one input field, as the server reports it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** A failed request: `status` 0 means the server could not be reached at all. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: FieldProblem[];
  /** Seconds from a `Retry-After` header (429), when given. */
  readonly retryAfter: number | undefined;

  constructor(status: number, code: string, message: string, details: FieldProblem[] = [], retryAfter?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  /** A network failure or a server fault: worth a retry, and the server's text is not for people. */
  get isTransient(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

export const NETWORK_MESSAGE = 'Can’t reach the server. Check your connection and try again.';
export const SERVER_FAULT_MESSAGE = 'Something went wrong on our side. Please try again in a moment.';

/** "30 seconds", "5 minutes", "3 hours" (rounded up), for "try again in …". */
export function formatWait(seconds: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds < 90) return unit(Math.max(1, Math.ceil(seconds)), 'second');
  if (seconds < 90 * 60) return unit(Math.ceil(seconds / 60), 'minute');
  return unit(Math.ceil(seconds / 3600), 'hour');
}

/** A sentence for people about any error thrown by a request. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return NETWORK_MESSAGE;
    // A failing dependency (eBay, analytics-service) is described by the server on purpose;
    // any other fault's text is not for people.
    if ((error.status === 502 || error.status === 503) && !/^(http_|internal)/.test(error.code) && error.message) {
      return error.message;
    }
    if (error.status >= 500) return SERVER_FAULT_MESSAGE;
    if (error.status === 429) {
      return error.retryAfter
        ? `Too many requests. Try again in ${formatWait(error.retryAfter)}.`
        : error.message || 'Too many requests. Try again in a moment.';
    }
    return error.message;
  }
  return SERVER_FAULT_MESSAGE;
}

export function isUnauthorized(error: unknown): boolean {
  return error instanceof ApiError && error.isUnauthorized;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.isNotFound;
}

interface RequestOptions<T> {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
  /** Checks the decoded body (zod's `parse` for shapes not settled by the OpenAPI document). */
  parse?: (data: unknown) => T;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function errorFromBody(status: number, body: unknown, retryAfter?: number): ApiError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`;
  const message =
    typeof error?.message === 'string' && error.message
      ? error.message
      : status === 401
        ? 'Please sign in.'
        : status === 404
          ? 'Not found.'
          : `The request failed (${status}).`;
  const details = Array.isArray(error?.details)
    ? error.details
        .filter(isRecord)
        .map((d) => ({
          field: typeof d.field === 'string' ? d.field : '',
          message: typeof d.message === 'string' ? d.message : '',
        }))
    : [];
  return new ApiError(status, code, message, details, retryAfter);
}

function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Builds an absolute same-origin URL (absolute so it also works under Node in tests). */
export function apiUrl(path: string, query?: RequestOptions<unknown>['query']): string {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/** Sends one request and returns the decoded body (`undefined` for 204). */
export async function request<T>(path: string, options: RequestOptions<T> = {}): Promise<T> {
  const { method = 'GET', body, query, signal, parse } = options;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(apiUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (cause) {
    if (signal?.aborted) throw cause;
    throw new ApiError(0, 'network_error', NETWORK_MESSAGE);
  }

  const text = response.status === 204 ? '' : await response.text().catch(() => '');
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!response.ok) {
    throw errorFromBody(response.status, data, parseRetryAfter(response.headers.get('Retry-After')));
  }
  if (text && data === undefined) {
    throw new ApiError(response.status, 'bad_response', 'The server sent an answer the dashboard cannot read.');
  }
  if (parse) {
    try {
      return parse(data);
    } catch {
      throw new ApiError(response.status, 'bad_response', 'The server sent an answer the dashboard cannot read.');
    }
  }
  return data as T;
}
