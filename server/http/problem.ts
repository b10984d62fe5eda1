// One error shape: application/problem+json (RFC 9457) with a request id, and errors[] naming the
// offending field for validation failures. One code enum, one status table, one onError.

import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Logger } from '../logging.ts'

export const problemCodes = {
  validation_failed: { status: 422, title: 'The request has invalid fields' },
  malformed_request: { status: 400, title: 'The request could not be read' },
  unauthenticated: { status: 401, title: 'A valid API key is required' },
  forbidden: { status: 403, title: 'This key or user may not do that' },
  csrf_failed: { status: 403, title: 'Missing or wrong X-CSRF-Token header' },
  invalid_credentials: { status: 401, title: 'Wrong e-mail or password' },
  login_locked: { status: 429, title: 'Too many failed logins; try again later' },
  invalid_rule_set: { status: 422, title: 'The rule set version has problems' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  immutable: { status: 409, title: 'Published and archived versions cannot change' },
  four_eyes: { status: 403, title: 'Another publisher must publish what you edited' },
  idempotency_key_reused: { status: 422, title: 'The idempotency key was used with a different request' },
  payload_too_large: { status: 413, title: 'The request body is larger than 64 KiB' },
  unsupported_media_type: { status: 415, title: 'Send application/json' },
  offer_expired: { status: 409, title: 'The offer has expired' },
  offer_resolved: { status: 409, title: 'The offer was already declined or has expired' },
  payment_declined: { status: 402, title: 'The payment was declined' },
  no_active_rule_set: { status: 409, title: 'No rule set is active for this tenant' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Something went wrong on our side' },
  unavailable: { status: 503, title: 'Temporarily unavailable' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>

export type ProblemCode = keyof typeof problemCodes

export interface FieldError {
  /** dotted path to the field, as a merchant writes it: customer.phone, items.0.quantity */
  field: string
  /** RFC 6901 pointer into the JSON body */
  pointer: string
  message: string
}

export class ProblemError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? problemCodes[code].title)
  }
}

export function fieldError(path: (string | number)[], message: string): FieldError {
  return {
    field: path.join('.'),
    pointer: `/${path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`,
    message,
  }
}

export function validationProblem(path: (string | number)[], message: string): ProblemError {
  return new ProblemError('validation_failed', `${path.join('.')}: ${message}`, [fieldError(path, message)])
}

export function zodToProblem(error: z.ZodError, prefix: (string | number)[] = []): ProblemError {
  const errors = error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))]
    // zod reports unknown properties on the object that holds them; each is named at its own pointer
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => fieldError([...path, key], 'is not a known property'))
    return [fieldError(path, issue.message)]
  })
  const detail = errors.map((e) => `${e.field || '(body)'}: ${e.message}`).join('; ')
  return new ProblemError('validation_failed', detail, errors)
}

export const problemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:tollgate:problem:validation_failed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    request_id: z.string(),
    errors: z
      .array(z.object({ field: z.string(), pointer: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'For validation failures: each offending field' }),
  })
  .openapi('Problem')

export function problemResponse(c: Context, problem: ProblemError): Response {
  const { status, title } = problemCodes[problem.code]
  const body = {
    type: `urn:tollgate:problem:${problem.code}`,
    title,
    status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    instance: c.req.path,
    request_id: c.get('requestId') ?? 'unknown',
    ...(problem.errors?.length ? { errors: problem.errors } : {}),
  }
  return c.body(JSON.stringify(body), status, { 'content-type': 'application/problem+json' })
}

function fromHttpException(err: HTTPException): ProblemError {
  if (err.status === 413) return new ProblemError('payload_too_large')
  if (err.status === 401) return new ProblemError('unauthenticated', err.message || undefined)
  if (err.status === 400) return new ProblemError('malformed_request', err.message || undefined)
  if (err.status === 404) return new ProblemError('not_found')
  if (err.status === 415) return new ProblemError('unsupported_media_type')
  return new ProblemError(
    err.status >= 500 ? 'internal' : 'malformed_request',
    err.status >= 500 ? undefined : err.message,
  )
}

/** The one onError: typed errors keep their status; anything else is logged and becomes a bare 500. */
export function onError(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof ProblemError) return problemResponse(c, err)
    if (err instanceof HTTPException) return problemResponse(c, fromHttpException(err))
    if (err instanceof SyntaxError)
      return problemResponse(c, new ProblemError('malformed_request', 'The body is not valid JSON'))
    logger.error({ err, request_id: c.get('requestId'), path: c.req.path }, 'unhandled error')
    return problemResponse(
      c,
      new ProblemError('internal', `Quote request id ${c.get('requestId')} when you report this.`),
    )
  }
}

declare module 'hono' {
  interface ContextVariableMap {
    requestId: string
  }
}
