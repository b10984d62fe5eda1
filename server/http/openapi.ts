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
