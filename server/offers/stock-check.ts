// Stock kept by someone else (an offer's stock_mode `provider`): asked before each offer is made.
// The deployer points OFFER_STOCK_CHECK_URL at their supplier's check; the demo uses the sandbox.
import { z } from 'zod'

/** Is this quantity of the offer in stock now? Throws when the check cannot tell (the offer is skipped). */
export type StockCheck = (call: {
  tenantId: string
  offerId: string
  sku: string
  quantity: number
}) => Promise<{ available: boolean; message?: string }>

/**
 * The demo's stock check, deterministic like the sandbox gateway's test cards: a SKU containing
 * `sold-out` is not in stock, one containing `stock-error` makes the check fail; any other is in stock.
 */
export const sandboxStockCheck: StockCheck = async ({ sku }) => {
  if (sku.includes('stock-error')) throw new Error('the sandbox stock check failed')
  return sku.includes('sold-out')
    ? { available: false, message: 'the supplier has none left' }
    : { available: true }
}

const answerSchema = z.object({ available: z.boolean(), message: z.string().max(500).optional() })

/**
 * A stock check over HTTP: POST {tenant_id, offer_id, sku, quantity} as JSON to url, answered with
 * 200 and {available, message?}. Anything else — another status, another shape, no answer within
 * timeoutMs — throws, and the offer is skipped as stock_check_failed: a contact is never kept
 * waiting on a supplier, and nothing is offered that may not be there.
 */
export function httpStockCheck(url: string, options: { timeoutMs?: number } = {}): StockCheck {
  const timeoutMs = options.timeoutMs ?? 1500
  return async (call) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        tenant_id: call.tenantId,
        offer_id: call.offerId,
        sku: call.sku,
        quantity: call.quantity,
      }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    if (response.status !== 200) {
      await response.body?.cancel()
      throw new Error(`the stock check answered ${response.status}`)
    }
    const parsed = answerSchema.safeParse(await response.json())
    if (!parsed.success)
      throw new Error('the stock check answered something other than {available, message?}')
    return parsed.data.message === undefined
      ? { available: parsed.data.available }
      : { available: parsed.data.available, message: parsed.data.message }
  }
}
