// Names for the admin API's types, read from the OpenAPI document the server serves: admin.d.ts
// beside this file is generated from it by `npm run api-types` (before typecheck, build and start),
// so the console's data modules cannot drift from the server's routes.
import type { components, paths } from './admin.d.ts'

/** A named schema of the admin document, such as Schema<'Review'>. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name]

export type AdminPath = keyof paths
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
type Operation<P extends AdminPath, M extends Method> = NonNullable<paths[P][M]>
type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never

/** The JSON a route answers with when it succeeds (200, 201 or 202). */
export type ResponseBody<P extends AdminPath, M extends Method> =
  Operation<P, M> extends { responses: infer R } ? Json<R[Extract<keyof R, 200 | 201 | 202>]> : never

/** The JSON body a route takes. */
export type RequestBody<P extends AdminPath, M extends Method> =
  Operation<P, M> extends { requestBody?: infer B } ? Json<NonNullable<B>> : never

/** A route's query parameters. */
export type QueryParams<P extends AdminPath, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never
