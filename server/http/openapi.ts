// Shared pieces of the OpenAPI routers: the validation hook that turns zod failures into problems
// naming the field, and the environment the merchant API's handlers see.
import type { Hook } from '@hono/zod-openapi'
import type { Env } from 'hono'
import type { RuleSetPointer } from '../rule-sets/active.ts'
import { problemResponse, zodToProblem } from './problem.ts'

export interface MerchantEnv extends Env {
  Variables: {
    tenantId: string
    apiKeyId: string
    requestId: string
    ruleSetPointer?: RuleSetPointer
    /** the key came from this process's cache: the authorization checks it in its transaction */
    keyCheckPending?: boolean
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the hook is shared by every route, whatever its types
export const defaultHook: Hook<any, any, any, any> = (result, c) => {
  if (!result.success) return problemResponse(c, zodToProblem(result.error))
}

/**
 * Both documents' paths are full paths (/v1/authorizations, /admin/v1/session) and their one server
 * is the host serving them. A client generated with openapi-typescript carries only the paths, never
 * the servers, and other generators resolve a relative server such as '/v1' inconsistently (or not
 * at all once the document is saved to disk); with full paths a client needs only the host.
 */
export const documentServers = [{ url: '/', description: 'The host serving this document' }]
