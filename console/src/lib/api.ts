// The console's one way to reach /admin/v1: same-origin cookies, the CSRF token on writes,
// problem+json turned into a typed ApiError, and a 401 anywhere sends the user to sign in and
// back to the page they were on.

import type { Schema } from '../api/types.ts'

export type FieldProblem = NonNullable<Schema<'Problem'>['errors']>[number]

/** The server's problem document; the console makes some of its own (the network failed) with no request id. */
export type Problem = Omit<Schema<'Problem'>, 'request_id'> & { request_id?: string }

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title)
  }
  get status(): number {
    return this.problem.status
  }
  /** the last part of the problem type: forbidden, invalid_credentials, login_locked … */
  get code(): string {
    return this.problem.type.split(':').pop() ?? ''
  }
  get isForbidden(): boolean {
    return this.status === 403 && this.code === 'forbidden'
  }
  /** the message for one field of a validation failure, if the server named it */
  fieldMessage(field: string): string | undefined {
    return this.problem.errors?.find((e) => e.field === field)?.message
  }
}

export const API_BASE = '/admin/v1'
/** where the router is mounted; pages link relative to it */
export const CONSOLE_BASE = '/console'

let csrfToken: string | null = null
export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

type UnauthenticatedHandler = (next: string) => void
// The router installs a handler that navigates without a reload; until then, a full reload works.
let onUnauthenticated: UnauthenticatedHandler = (next) => {
  window.location.assign(`${CONSOLE_BASE}/login?next=${encodeURIComponent(next)}`)
}
export function setUnauthenticatedHandler(handler: UnauthenticatedHandler): void {
  onUnauthenticated = handler
}

/** The page the user is on, relative to the console base, to come back to after signing in. */
export function currentConsolePath(): string {
  const { pathname, search } = window.location
  const inside = pathname.startsWith(CONSOLE_BASE) ? pathname.slice(CONSOLE_BASE.length) || '/' : '/'
  return inside.startsWith('/login') ? '/' : `${inside}${search}`
}

export type Query = Record<string, string | number | undefined | null>

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** a body sent as it is, with this content type, instead of JSON (a CSV import) */
  raw?: { content: Blob | string; type: string }
  /** false for signing in, where a 401 means a wrong password rather than an expired session */
  redirectOn401?: boolean
  signal?: AbortSignal
}

const safeMethods = new Set(['GET', 'HEAD'])
const bodyMethods = new Set(['POST', 'PUT', 'PATCH'])

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' }
  // the server takes writes only as JSON, so a write without a body still sends an empty object
  const body = options.body === undefined && bodyMethods.has(method) ? {} : options.body
  if (options.raw) headers['content-type'] = options.raw.type
  else if (body !== undefined) headers['content-type'] = 'application/json'
  if (!safeMethods.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken

  let response: Response
  try {
    response = await fetch(`${API_BASE}${withQuery(path, options.query)}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.raw ? options.raw.content : body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError({
      type: 'urn:tollgate:problem:network',
      title: 'The server could not be reached',
      status: 0,
      detail: 'Check your connection and try again.',
    })
  }

  if (response.ok) {
    if (response.status === 204) return undefined as T
    return (await response.json()) as T
  }

  const problem = await readProblem(response)
  if (response.status === 401 && options.redirectOn401 !== false) {
    setCsrfToken(null)
    onUnauthenticated(currentConsolePath())
  }
  throw new ApiError(problem)
}

async function readProblem(response: Response): Promise<Problem> {
  const fallback: Problem = {
    type: `urn:tollgate:problem:http_${response.status}`,
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
  }
  const type = response.headers.get('content-type') ?? ''
  if (!type.includes('json')) return fallback
  try {
    const body = (await response.json()) as Partial<Problem>
    return {
      ...fallback,
      ...body,
      type: body.type ?? fallback.type,
      title: body.title ?? fallback.title,
      status: response.status,
    }
  } catch {
    return fallback
  }
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body: unknown, options: Omit<RequestOptions, 'body'> = {}) =>
    request<T>('POST', path, { ...options, body }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  delete: <T>(path: string) => request<T>('DELETE', path),
  /** POSTs a file or text as it is (CSV imports); the CSRF header and errors as for any write */
  upload: <T>(path: string, content: Blob | string, type: string) =>
    request<T>('POST', path, { raw: { content, type } }),
}
