// Call-out journeys: the real bridge with its dialer, on a real service graph, against the fake
// FreeSWITCH. The campaigns' queue is a small in-test CallOutQueue over the real campaign_contacts
// rows (claim, report) until server/campaigns/ lands; the offers' ledger is services.offers when the
// graph has one, else a stand-in over the real tables and the real payments (hold, capture, void).
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { CallOutContact, CallOutQueue, CallOutResult } from '../../server/campaigns/types.ts'
import { ProblemError } from '../../server/http/problem.ts'
import { newId } from '../../server/ids.ts'
import type { OfferLedger, OfferOrder } from '../../server/offers/types.ts'
import type { Services } from '../../server/services.ts'

/** What the stand-in queue was told, per contact, in order. */
export interface Reported {
  contact: CallOutContact
  result: CallOutResult
}

/**
 * The campaigns' side as a bridge sees it: contacts due are claimed (status dialing, claimed_by),
 * reports close them or put them back for a retry. Pacing and windows are campaigns' own tests.
 */
export function testQueue(db: Db): CallOutQueue & { reported: Reported[] } {
  const reported: Reported[] = []
  return {
    reported,
    async claimDue(bridgeId, limit, now = new Date()) {
      const claimedUntil = new Date(now.getTime() + 5 * 60_000)
      const rows = await sql<{
        tenant_id: string
        id: string
        campaign_id: string
        customer_id: string
        phone: string
        attempts: number
        offer_id: string
      }>`
        update campaign_contacts cc set status = 'dialing', claimed_by = ${bridgeId},
          claimed_until = ${claimedUntil}, attempts = cc.attempts + 1
        from campaigns c
        where c.tenant_id = cc.tenant_id and c.id = cc.campaign_id and c.status = 'running'
          and cc.id in (select id from campaign_contacts where status in ('pending', 'no_answer', 'busy')
                        and (next_attempt_at is null or next_attempt_at <= ${now})
                        order by id limit ${limit} for update skip locked)
        returning cc.tenant_id, cc.id, cc.campaign_id, cc.customer_id, cc.phone, cc.attempts, c.offer_id`.execute(
        db,
      )
      return rows.rows.map((row) => ({
        tenantId: row.tenant_id,
        campaignId: row.campaign_id,
        contactId: row.id,
        customerId: row.customer_id,
        phone: row.phone,
        offerId: row.offer_id,
        attempt: row.attempts,
        claimedUntil,
      }))
    },
    async report(contact, result, now = new Date()) {
      reported.push({ contact, result })
      const retry = result.status === 'no_answer' || result.status === 'busy'
      await db
        .updateTable('campaign_contacts')
        .set({
          status: result.status,
          claimed_by: null,
          claimed_until: null,
          next_attempt_at: retry ? new Date(now.getTime() + 60 * 60_000) : null,
          presentation_id: 'presentationId' in result ? result.presentationId : null,
          order_id: 'orderId' in result ? result.orderId : null,
          decision_id: 'decisionId' in result ? result.decisionId : null,
          result: JSON.stringify(result),
          updated_at: now,
        })
        .where('tenant_id', '=', contact.tenantId)
        .where('id', '=', contact.contactId)
        .execute()
    },
  }
}

/** services.offers when the graph has one (server/offers/ledger.ts), else the stand-in below. */
export function ledgerOf(services: Services): OfferLedger {
  return (services as Services & { offers?: OfferLedger }).offers ?? standInLedger(services)
}

/**
 * A stand-in for the offers' ledger with the same effects on the same tables: tracked stock reserved
 * under a conditional update, the price held on the stored method's token, captured on acceptance
 * (the order written) or voided on decline. Not concurrent-safe beyond what the journeys need.
 */
export function standInLedger(services: Services): OfferLedger {
  const { db, payments } = services
  async function presentation(tenantId: string, id: string) {
    const row = await db
      .selectFrom('offer_presentations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) throw new ProblemError('not_found', 'No such offer.')
    return row
  }
  async function release(tenantId: string, id: string, status: 'declined' | 'expired') {
    const row = await presentation(tenantId, id)
    if (row.status !== 'presented') return
    if (row.payment_id) await payments.void(tenantId, row.payment_id)
    await db
      .updateTable('offers')
      .set((eb) => ({ stock_reserved: eb('stock_reserved', '-', row.quantity) }))
      .where('tenant_id', '=', tenantId)
      .where('id', '=', row.offer_id)
      .where('stock_mode', '=', 'tracked')
      .execute()
    await db
      .updateTable('offer_presentations')
      .set({ status, resolved_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute()
  }
  return {
    async reserve(request) {
      const { tenantId } = request
      const offer = await db
        .selectFrom('offers')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', request.offerId)
        .executeTakeFirstOrThrow()
      const quantity = request.quantity ?? 1
      if (offer.stock_mode === 'tracked') {
        const taken = await db
          .updateTable('offers')
          .set((eb) => ({ stock_reserved: eb('stock_reserved', '+', quantity) }))
          .where('tenant_id', '=', tenantId)
          .where('id', '=', offer.id)
          .where(sql<boolean>`stock_on_hand - stock_reserved >= ${quantity}`)
          .executeTakeFirst()
        if (taken.numUpdatedRows === 0n) return { made: false, reason: 'out_of_stock', message: 'None left.' }
      }
      const method = request.paymentMethodId
        ? await db
            .selectFrom('payment_methods')
            .selectAll()
            .where('tenant_id', '=', tenantId)
            .where('id', '=', request.paymentMethodId)
            .executeTakeFirst()
        : undefined
      const id = newId('ofp')
      const price = Number(offer.price)
      const amount = (price - (request.discount ?? 0)) * quantity
      if (!method?.gateway_token) {
        await release(tenantId, id, 'declined').catch(() => undefined)
        return { made: false, reason: 'no_payment_method', message: 'No stored method.' }
      }
      const hold = await payments.hold({
        tenantId,
        amount,
        currency: offer.currency,
        source: { type: 'token', token: method.gateway_token },
        customerId: request.customerId,
        paymentMethodId: method.id,
        key: `${id}:hold`,
      })
      if (hold.payment.status !== 'authorized')
        return { made: false, reason: 'credit_declined', message: 'The hold was declined.' }
      const expiresAt = new Date(request.now.getTime() + offer.reservation_seconds * 1000)
      await db
        .insertInto('offer_presentations')
        .values({
          tenant_id: tenantId,
          id,
          offer_id: offer.id,
          customer_id: request.customerId,
          decision_id: request.decisionId ?? null,
          campaign_contact_id: request.campaignContactId ?? null,
          channel: request.channel,
          segment: request.segment,
          treatment_id: request.treatmentId,
          status: 'presented',
          quantity,
          price,
          discount: request.discount ?? 0,
          currency: offer.currency,
          payment_method_id: method.id,
          payment_id: hold.payment.id,
          priority: request.priority,
          propensity: request.propensity,
          why: JSON.stringify(request.why),
          presented_at: request.now,
          expires_at: expiresAt,
        })
        .execute()
      return {
        made: true,
        offer: {
          id,
          sku: offer.sku,
          name: offer.name,
          description: offer.description,
          quantity,
          price,
          discount: request.discount ?? 0,
          amount,
          currency: offer.currency,
          expires_at: expiresAt.toISOString(),
          treatment: null,
          payment_id: hold.payment.id,
          why: request.why,
        },
      }
    },
    async holdOut() {},
    async accept(tenantId, id, by): Promise<OfferOrder> {
      const row = await presentation(tenantId, id)
      if (row.status !== 'presented') throw new ProblemError('conflict', 'Already resolved.')
      const amount = (Number(row.price) - Number(row.discount)) * row.quantity
      if (row.payment_id) await payments.capture(tenantId, row.payment_id, amount)
      await db
        .updateTable('offers')
        .set((eb) => ({
          stock_reserved: eb('stock_reserved', '-', row.quantity),
          stock_on_hand: eb('stock_on_hand', '-', row.quantity),
        }))
        .where('tenant_id', '=', tenantId)
        .where('id', '=', row.offer_id)
        .where('stock_mode', '=', 'tracked')
        .execute()
      const orderId = newId('ord')
      const createdAt = by.now ?? new Date()
      await db
        .insertInto('offer_orders')
        .values({
          tenant_id: tenantId,
          id: orderId,
          presentation_id: id,
          offer_id: row.offer_id,
          customer_id: row.customer_id,
          quantity: row.quantity,
          amount,
          currency: row.currency,
          payment_id: row.payment_id,
          channel: by.channel,
          created_at: createdAt,
        })
        .execute()
      await db
        .updateTable('offer_presentations')
        .set({ status: 'accepted', resolved_at: createdAt })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute()
      const sku = await db
        .selectFrom('offers')
        .select('sku')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', row.offer_id)
        .executeTakeFirstOrThrow()
      return {
        id: orderId,
        presentation_id: id,
        sku: sku.sku,
        quantity: row.quantity,
        amount,
        currency: row.currency,
        payment_id: row.payment_id,
        channel: by.channel,
        created_at: createdAt.toISOString(),
      }
    },
    decline: (tenantId, id) => release(tenantId, id, 'declined'),
    async expire() {
      return 0
    },
  }
}
