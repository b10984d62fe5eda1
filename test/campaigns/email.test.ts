// E-mail campaigns against a real SMTP server listening on this machine (smtp-server): each
// contact's offer is made through the offers' ledger before its mail goes, the mail carries the
// template filled in (name, offer, price, the accept link with the offer's id), and each contact's
// result is recorded — emailed, the offer not made, or a failed send retried with its offer released.
import { type AddressObject, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type CampaignInput, createCampaign, startCampaign } from '../../server/campaigns/campaigns.ts'
import { Campaigns } from '../../server/campaigns/service.ts'
import { createLogger } from '../../server/logging.ts'
import type { OfferLedger, ReserveOutcome, ReserveRequest } from '../../server/offers/types.ts'
import { createTenant } from '../../server/tenants/tenants.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { seedCustomer, seedOffer } from './support.ts'

interface Mail {
  from: string
  to: string
  subject: string
  text: string
  offerHeader: string | undefined
}

let database: TestDatabase
let smtp: SMTPServer
let smtpPort: number
const mails: Mail[] = []
/** recipients the server refuses, as a mailbox that does not exist */
const refused = new Set<string>()
let now: Date
const actor = { id: 'usr_test', email: 'publisher@acme.test' }
const db = () => database.db

/** The ledger's side of an e-mail offer, as the campaign sees it: what it was asked, what it said. */
class RecordingLedger implements OfferLedger {
  reserved: ReserveRequest[] = []
  declined: string[] = []
  outOfStock = new Set<string>()
  async reserve(request: ReserveRequest): Promise<ReserveOutcome> {
    this.reserved.push(request)
    if (request.customerId && this.outOfStock.has(request.customerId))
      return { made: false, reason: 'out_of_stock', message: 'None left to offer.' }
    return {
      made: true,
      offer: {
        id: `ofp_${request.customerId}`,
        sku: 'reading-ext-15',
        name: 'Extended reading, 15 more minutes',
        description: 'Fifteen more minutes',
        quantity: 1,
        price: 1499,
        discount: 0,
        amount: 1499,
        currency: 'USD',
        expires_at: new Date(request.now.getTime() + 900_000).toISOString(),
        treatment: null,
        payment_id: `pay_${request.customerId}`,
        why: request.why,
      },
    }
  }
  async holdOut(): Promise<void> {}
  async accept(): Promise<never> {
    throw new Error('not in this suite')
  }
  async decline(_tenantId: string, presentationId: string): Promise<void> {
    this.declined.push(presentationId)
  }
  async expire(): Promise<number> {
    return 0
  }
}

beforeAll(async () => {
  database = await createTestDatabase()
  await createTenant(db(), { tenantId: 'acme', name: 'Acme', timeZone: 'Europe/Paris' })
  await seedOffer(db(), 'acme', { id: 'off_reading' })
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refused.has(address.address)) callback(new Error('550 no such mailbox'))
      else callback()
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const address = (a: AddressObject | AddressObject[] | undefined) =>
            (Array.isArray(a) ? a[0] : a)?.value[0]?.address ?? ''
          mails.push({
            from: address(parsed.from),
            to: address(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            offerHeader: parsed.headers.get('x-tollgate-offer') as string | undefined,
          })
          callback()
        })
        .catch(callback)
    },
  })
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
  smtpPort = (smtp.server.address() as { port: number }).port
})
afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()))
  await database.close()
})

beforeEach(async () => {
  now = new Date('2026-12-07T10:00:00Z')
  mails.length = 0
  refused.clear()
  for (const table of [
    'campaign_contacts',
    'campaigns',
    'payment_methods',
    'customer_identifiers',
    'usage_events',
    'decisions',
    'customers',
  ] as const)
    await db().deleteFrom(table).execute()
})

function service(ledger: OfferLedger) {
  return new Campaigns({
    db: db(),
    logger: createLogger('silent'),
    offers: ledger,
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    clock: () => now,
  })
}

async function customerWithCard(id: string, email: string, name: string) {
  await seedCustomer(db(), 'acme', { id, email, name, purchases: [{ amount: 2000, daysAgo: 1 }] }, now)
  await db()
    .insertInto('payment_methods')
    .values({
      tenant_id: 'acme',
      id: `pm_${id}`,
      customer_id: id,
      type: 'card',
      fingerprint: `pmf_${id}`,
      bin: '424242',
      last4: '4242',
      brand: 'visa',
      exp_month: 12,
      exp_year: 2030,
      billing_postal_code: '94107',
      gateway: 'sandbox',
      gateway_token: `tok_${id}`,
    })
    .execute()
}

const template = {
  from: 'offers@acme.test',
  subject: 'A gift for you, {{name}}',
  body: 'Dear {{name}},\n\n{{offer_name}} for only {{price}}.\nAccept it here: {{accept_url}}\n',
  accept_url: 'https://shop.acme.test/offers/{presentation_id}/accept',
}

async function startedEmail(campaigns: Campaigns, overrides: Partial<CampaignInput> = {}) {
  const campaign = await createCampaign(db(), 'acme', actor, {
    name: 'Mail the buyers',
    offer_id: 'off_reading',
    channel: 'email',
    audience: { all: [{ fact: 'has_email', operator: 'equal', value: true }] },
    windows: [],
    pacing: { per_minute: 100, max_concurrent: 10 },
    suppression: { negative_lists: 'all', recent_contact_days: 0, open_offer: true },
    retries: { max_attempts: 2, retry_minutes: 15 },
    email: template,
    ...overrides,
  })
  await startCampaign(db(), 'acme', campaign.id, actor, {
    now,
    canSend: (channel) => campaigns.cannotSend(channel),
  })
  return campaign
}

async function contacts(campaignId: string) {
  const rows = await db()
    .selectFrom('campaign_contacts')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .execute()
  return new Map(rows.map((r) => [r.customer_id, r]))
}

describe('an e-mail campaign', () => {
  it('makes each contact’s offer through the ledger, then mails it filled in, and records it emailed', async () => {
    await customerWithCard('ann', 'ann@example.com', 'Ann Lee')
    await customerWithCard('bo', 'bo@example.com', 'Bo Chan')
    const ledger = new RecordingLedger()
    const campaigns = service(ledger)
    const campaign = await startedEmail(campaigns)

    expect(await campaigns.sendDue()).toBe(2)
    expect(mails).toHaveLength(2)
    const ann = mails.find((m) => m.to === 'ann@example.com')
    expect(ann).toEqual({
      from: 'offers@acme.test',
      to: 'ann@example.com',
      subject: 'A gift for you, Ann Lee',
      text: 'Dear Ann Lee,\n\nExtended reading, 15 more minutes for only 14.99 USD.\nAccept it here: https://shop.acme.test/offers/ofp_ann/accept\n',
      offerHeader: 'ofp_ann',
    })
    expect(ledger.reserved.find((r) => r.customerId === 'ann')).toMatchObject({
      tenantId: 'acme',
      offerId: 'off_reading',
      channel: 'email',
      paymentMethodId: 'pm_ann',
      campaignContactId: (await contacts(campaign.id)).get('ann')?.id,
    })
    const rows = await contacts(campaign.id)
    expect(rows.get('ann')).toMatchObject({ status: 'emailed', presentation_id: 'ofp_ann', attempts: 1 })
    expect(rows.get('bo')).toMatchObject({ status: 'emailed', presentation_id: 'ofp_bo' })
    const row = await db()
      .selectFrom('campaigns')
      .select('status')
      .where('id', '=', campaign.id)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('finished')
    // nothing is mailed twice
    expect(await campaigns.sendDue()).toBe(0)
    expect(mails).toHaveLength(2)
  })

  it('mails no one whose offer could not be made, and says why', async () => {
    await customerWithCard('ann', 'ann@example.com', 'Ann Lee')
    const ledger = new RecordingLedger()
    ledger.outOfStock.add('ann')
    const campaigns = service(ledger)
    const campaign = await startedEmail(campaigns)
    await campaigns.sendDue()
    expect(mails).toEqual([])
    const ann = (await contacts(campaign.id)).get('ann')
    expect(ann?.status).toBe('blocked')
    expect(ann?.result).toMatchObject({
      final: true,
      status: 'offer_not_made',
      detail: 'out_of_stock: None left to offer.',
    })
  })

  it('releases the offer of a mail the server refused at once, and tries again later', async () => {
    await customerWithCard('ann', 'ann@example.com', 'Ann Lee')
    refused.add('ann@example.com')
    const ledger = new RecordingLedger()
    const campaigns = service(ledger)
    const campaign = await startedEmail(campaigns)
    await campaigns.sendDue()
    expect(mails).toEqual([])
    expect(ledger.declined).toEqual(['ofp_ann'])
    let ann = (await contacts(campaign.id)).get('ann')
    expect(ann).toMatchObject({ status: 'failed', attempts: 1 })
    expect(ann?.next_attempt_at?.toISOString()).toBe('2026-12-07T10:15:00.000Z')

    refused.clear()
    now = new Date('2026-12-07T10:15:00Z')
    await campaigns.sendDue()
    expect(mails.map((m) => m.to)).toEqual(['ann@example.com'])
    ann = (await contacts(campaign.id)).get('ann')
    expect(ann).toMatchObject({ status: 'emailed', attempts: 2 })
    expect(ledger.declined).toEqual(['ofp_ann'])
  })

  it('sends no faster than its pacing', async () => {
    for (const id of ['a', 'b', 'c']) await customerWithCard(id, `${id}@example.com`, id.toUpperCase())
    const campaigns = service(new RecordingLedger())
    await startedEmail(campaigns, { pacing: { per_minute: 2, max_concurrent: 10 } })
    await campaigns.sendDue()
    await campaigns.sendDue()
    expect(mails).toHaveLength(2)
    now = new Date(now.getTime() + 61_000)
    await campaigns.sendDue()
    expect(mails).toHaveLength(3)
  })

  it('cannot start without an SMTP server', async () => {
    const campaigns = new Campaigns({
      db: db(),
      logger: createLogger('silent'),
      offers: new RecordingLedger(),
    })
    await expect(startedEmail(campaigns)).rejects.toMatchObject({ code: 'conflict' })
  })
})
