// What a merchant's developer writes with a client generated from /v1/openapi.json
// (openapi-typescript + openapi-fetch): the contract tests type-check this file against the types of
// the document the running server serves, then run it against that server.
import createClient from 'openapi-fetch'
import type { paths } from '../../console/src/api/merchant.d.ts'

export function merchantClient(baseUrl: string, apiKey: string) {
  return createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${apiKey}` } })
}
export type MerchantClient = ReturnType<typeof merchantClient>

/** Authorizes a web purchase by card, then reads the decision back by its id. */
export async function authorizeAndReadBack(
  client: MerchantClient,
  purchase: { amount: number; customerId: string; idempotencyKey: string },
) {
  const created = await client.POST('/v1/authorizations', {
    params: { header: { 'idempotency-key': purchase.idempotencyKey } },
    body: {
      kind: 'purchase',
      channel: 'web',
      amount: { value: purchase.amount, currency: 'USD' },
      customer: { id: purchase.customerId, email: `${purchase.customerId}@example.com` },
      network: { ip: '203.0.113.7' },
      payment_method: {
        type: 'card',
        card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' },
        billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
      },
    },
  })
  if (!created.data) return { created, read: undefined }
  const read = await client.GET('/v1/decisions/{id}', { params: { path: { id: created.data.id } } })
  return { created, read }
}

/** A decision that does not exist (or another tenant's): the typed error is the problem document. */
export async function readDecision(client: MerchantClient, id: string) {
  const { error, response } = await client.GET('/v1/decisions/{id}', { params: { path: { id } } })
  return { status: response.status, problem: error }
}
