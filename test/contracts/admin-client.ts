// What a script working the review desk writes with a client generated from /admin/v1/openapi.json
// (openapi-typescript + openapi-fetch): the contract tests type-check this file against the types of
// the document the running server serves, then run it against that server.
import createClient from 'openapi-fetch'
import type { paths } from '../../console/src/api/admin.d.ts'

/** A client that keeps the session cookie it is given and sends the CSRF token on writes. */
export function adminClient(baseUrl: string) {
  const client = createClient<paths>({ baseUrl })
  const session = { cookie: '', csrf: '' }
  client.use({
    onRequest({ request }) {
      if (session.cookie) request.headers.set('cookie', session.cookie)
      if (session.csrf && request.method !== 'GET') request.headers.set('x-csrf-token', session.csrf)
      return request
    },
    onResponse({ response }) {
      const cookie = response.headers.get('set-cookie')?.split(';')[0]
      if (cookie) session.cookie = cookie
      // returning nothing keeps the response as it came
      return undefined
    },
  })
  return { client, session }
}
export type AdminClient = ReturnType<typeof adminClient>

export async function signIn(
  admin: AdminClient,
  credentials: { tenant: string; email: string; password: string },
) {
  const signedIn = await admin.client.POST('/admin/v1/session', { body: credentials })
  if (signedIn.data) admin.session.csrf = signedIn.data.csrf_token
  return signedIn
}

/** The reviewer's morning: the rule sets, the open reviews, claiming the first and reading it. */
export async function workTheDesk(admin: AdminClient) {
  const ruleSets = await admin.client.GET('/admin/v1/rule-sets')
  const open = await admin.client.GET('/admin/v1/reviews', { params: { query: { status: 'open' } } })
  const first = open.data?.reviews[0]
  if (!first) return { ruleSets, open, claimed: undefined, detail: undefined }
  const path = { decision_id: first.decision_id }
  const claimed = await admin.client.POST('/admin/v1/reviews/{decision_id}/claim', { params: { path } })
  const detail = await admin.client.GET('/admin/v1/reviews/{decision_id}', { params: { path } })
  return { ruleSets, open, claimed, detail }
}
