// Selection on a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): the catalog read by
// SKU and tag, channel and currency, contact policies from the customer's presentations, arbitration
// by propensity × value × weight from the take rates, the control group, the slot passing to the
// next offer when the ledger cannot reserve one, and the treatment chosen by segment. The ledger here
// is a recording stand-in (its own suite tests the real one); everything it is handed is asserted.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { jsonb } from '../../db/json.ts'
import { defaultPresentation, type OfferEligibility, type Presentation } from '../../rules/offers.ts'
import { inControlGroup, type OfferContact, rankOffers, selectOffers } from '../../server/offers/selection.ts'
import type {
  OfferLedger,
  OfferMade,
  ReserveOutcome,
  ReserveRequest,
  SkipReason,
} from '../../server/offers/types.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'

const tenant = 'acme'
const now = new Date('2026-12-06T15:00:00Z')
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000)

let database: TestDatabase

/** Records what it is asked; refuses the offers it is told to, with the reason given. */
class RecordingLedger implements OfferLedger {
  reserved: ReserveRequest[] = []
  heldOut: ReserveRequest[] = []
  refuse = new Map<string, SkipReason>()
  async reserve(request: ReserveRequest): Promise<ReserveOutcome> {
    this.reserved.push(request)
    const reason = this.refuse.get(request.offerId)
    if (reason) return { made: false, reason, message: `refused: ${reason}` }
    const offer: OfferMade = {
      id: `ofp_${request.offerId}`,
      sku: request.offerId.replace(/^off_/, ''),
      name: request.offerId,
      description: '',
      quantity: 1,
      price: 1000,
      discount: 0,
      amount: 1000,
      currency: 'USD',
      expires_at: new Date(request.now.getTime() + 900_000).toISOString(),
      treatment: null,
      payment_id: 'pay_1',
      why: request.why,
    }
    return { made: true, offer }
  }
  async holdOut(request: ReserveRequest) {
    this.heldOut.push(request)
  }
  async accept(): Promise<never> {
    throw new Error('not in this suite')
  }
  async decline(): Promise<never> {
    throw new Error('not in this suite')
  }
  async expire() {
    return 0
  }
}

interface OfferSeed {
  sku: string
  price?: number
  value?: number | null
  currency?: string
  tags?: string[]
  channels?: string[]
  status?: string
  max?: number | null
  windowDays?: number | null
  cooldownDays?: number | null
  tenantId?: string
}

const idOf = (sku: string) => `off_${sku}`

async function addOffer(seed: OfferSeed) {
  await database.db
    .insertInto('offers')
    .values({
      tenant_id: seed.tenantId ?? tenant,
      id: idOf(seed.sku),
      sku: seed.sku,
      name: `Offer ${seed.sku}`,
      price: seed.price ?? 1000,
      currency: seed.currency ?? 'USD',
      value: seed.value ?? null,
      tags: jsonb(seed.tags ?? []),
      channels: jsonb(seed.channels ?? ['web', 'phone']),
      status: seed.status ?? 'active',
      max_offers_per_customer: seed.max ?? null,
      window_days: seed.windowDays ?? null,
      decline_cooldown_days: seed.cooldownDays ?? null,
    })
    .execute()
}

async function presented(sku: string, customerId: string, at: Date, status = 'presented', resolvedAt?: Date) {
  await database.db
    .insertInto('offer_presentations')
    .values({
      tenant_id: tenant,
      id: `ofp_${Math.random().toString(36).slice(2)}`,
      offer_id: idOf(sku),
      customer_id: customerId,
      channel: 'web',
      status,
      price: 1000,
      currency: 'USD',
      presented_at: at,
      resolved_at: resolvedAt ?? null,
    })
    .execute()
}

async function stats(
  sku: string,
  segment: string,
  channel: string,
  presentedCount: number,
  accepted: number,
) {
  await database.db
    .insertInto('offer_stats')
    .values({ tenant_id: tenant, offer_id: idOf(sku), segment, channel, presented: presentedCount, accepted })
    .execute()
}

async function treatment(
  sku: string,
  id: string,
  fields: { channel: 'phone' | 'web'; segment?: string; style?: string; language?: string },
) {
  await database.db
    .insertInto('offer_treatments')
    .values({
      tenant_id: tenant,
      id,
      offer_id: idOf(sku),
      name: id,
      channel: fields.channel,
      segment: fields.segment ?? '*',
      style: fields.style ?? 'concise',
      language: fields.language ?? 'en',
      prompt: fields.channel === 'phone' ? `tone_stream://${id}` : null,
      text: fields.channel === 'web' ? `Read ${id}` : null,
    })
    .execute()
}

const bySku = (sku: string, weight = 1, rule = `rule-${sku}`): OfferEligibility => ({
  rule,
  sku,
  tag: null,
  weight,
  message: null,
})
const byTag = (tag: string, weight = 1, rule = `rule-${tag}`): OfferEligibility => ({
  rule,
  sku: null,
  tag,
  weight,
  message: null,
})

function contact(overrides: Partial<OfferContact> = {}): OfferContact {
  return {
    tenantId: tenant,
    customerId: 'cus_ann',
    channel: 'web',
    currency: 'USD',
    eligible: [],
    presentation: defaultPresentation,
    paymentMethodId: 'pm_1',
    decisionId: 'dec_1',
    now,
    ...overrides,
  }
}

const presentation = (segment: string, more: Partial<Presentation> = {}): Presentation => ({
  ...defaultPresentation,
  segment,
  rules: [`present-${segment}`],
  messages: [],
  ...more,
})

beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(async () => {
  await database.close()
})
beforeEach(async () => {
  for (const table of ['offers', 'offer_presentations', 'offer_stats', 'offer_treatments'] as const)
    await database.db.deleteFrom(table).execute()
})

describe('candidates', () => {
  it('are the active catalog offers the rules named by SKU or tag, in the channel and currency', async () => {
    await addOffer({ sku: 'reading-ext-15', tags: ['upsell', 'reading'] })
    await addOffer({ sku: 'premium-membership', tags: ['membership', 'upsell'] })
    await addOffer({ sku: 'gift-card-25', tags: ['gift'], channels: ['phone'] })
    await addOffer({ sku: 'euro-deck', tags: ['gift'], currency: 'EUR' })
    await addOffer({ sku: 'old-offer', status: 'archived' })
    await addOffer({ sku: 'other-tenants', tags: ['upsell'], tenantId: 'globex' })
    const ledger = new RecordingLedger()
    const made = await selectOffers(
      { db: database.db, ledger },
      contact({
        eligible: [byTag('upsell'), byTag('gift'), bySku('old-offer'), bySku('nope'), byTag('nothing')],
        maxOffers: 5,
      }),
    )
    expect(made.offers.map((o) => o.sku).sort()).toEqual(['premium-membership', 'reading-ext-15'])
    expect(ledger.reserved.every((r) => r.tenantId === tenant)).toBe(true)
    expect(made.skipped.map((s) => [s.sku || `#${s.tag}`, s.reason]).sort()).toEqual([
      ['#nothing', 'not_in_catalog'],
      ['euro-deck', 'currency'],
      ['gift-card-25', 'channel'],
      ['nope', 'not_in_catalog'],
      ['old-offer', 'not_in_catalog'],
    ])
  })

  it('cost nothing when no offer is eligible', async () => {
    const ledger = new RecordingLedger()
    expect(await selectOffers({ db: database.db, ledger }, contact())).toEqual({ offers: [], skipped: [] })
    expect(ledger.reserved).toEqual([])
  })

  it('count once when named by SKU and by tag, with the greater weight', async () => {
    await addOffer({ sku: 'reading-ext-15', tags: ['upsell'] })
    const ranking = await rankOffers(
      database.db,
      contact({ eligible: [byTag('upsell', 1), bySku('reading-ext-15', 3, 'specific')] }),
    )
    expect(ranking.ranked).toHaveLength(1)
    expect(ranking.ranked[0]?.eligibility).toMatchObject({ rule: 'specific', weight: 3 })
  })
})

describe('contact policies', () => {
  it('allow at most N offers per customer in the window', async () => {
    await addOffer({ sku: 'reading-ext-15', max: 2, windowDays: 7 })
    await presented('reading-ext-15', 'cus_ann', daysAgo(1))
    await presented('reading-ext-15', 'cus_ann', daysAgo(3), 'accepted', daysAgo(3))
    // outside the window, held out (never shown), or someone else's: not counted
    await presented('reading-ext-15', 'cus_ann', daysAgo(8))
    await presented('reading-ext-15', 'cus_ann', daysAgo(1), 'control')
    await presented('reading-ext-15', 'cus_bob', daysAgo(1))
    const ledger = new RecordingLedger()
    const ann = await selectOffers(
      { db: database.db, ledger },
      contact({ eligible: [bySku('reading-ext-15')] }),
    )
    expect(ann.offers).toEqual([])
    expect(ann.skipped).toEqual([
      {
        sku: 'reading-ext-15',
        rule: 'rule-reading-ext-15',
        reason: 'contact_policy',
        message: 'Offered to the customer 2 time(s) in the last 7 day(s); the policy allows 2',
      },
    ])
    const bob = await selectOffers(
      { db: database.db, ledger },
      contact({ customerId: 'cus_bob', eligible: [bySku('reading-ext-15')] }),
    )
    expect(bob.offers.map((o) => o.sku)).toEqual(['reading-ext-15'])
    expect(ledger.reserved.map((r) => r.customerId)).toEqual(['cus_bob'])
  })

  it('make no offer again within the cooldown after a decline', async () => {
    await addOffer({ sku: 'premium-membership', cooldownDays: 30 })
    await addOffer({ sku: 'gift-card-25', cooldownDays: 3 })
    await presented('premium-membership', 'cus_ann', daysAgo(20), 'declined', daysAgo(20))
    await presented('gift-card-25', 'cus_ann', daysAgo(5), 'declined', daysAgo(5))
    const ledger = new RecordingLedger()
    const made = await selectOffers(
      { db: database.db, ledger },
      contact({ eligible: [bySku('premium-membership'), bySku('gift-card-25')], maxOffers: 2 }),
    )
    expect(made.offers.map((o) => o.sku)).toEqual(['gift-card-25'])
    expect(made.skipped).toEqual([
      expect.objectContaining({ sku: 'premium-membership', reason: 'declined_recently' }),
    ])
  })

  it('do not govern an anonymous contact, which has no history', async () => {
    await addOffer({ sku: 'reading-ext-15', max: 1, windowDays: 7 })
    const ledger = new RecordingLedger()
    const made = await selectOffers(
      { db: database.db, ledger },
      contact({ customerId: null, eligible: [bySku('reading-ext-15')] }),
    )
    expect(made.offers).toHaveLength(1)
  })
})

describe('arbitration', () => {
  it('orders by propensity × value × weight, the take rate learned per segment and channel', async () => {
    await addOffer({ sku: 'reading-ext-15', price: 1499 })
    await addOffer({ sku: 'premium-membership', price: 999 })
    await addOffer({ sku: 'gift-card-25', price: 2500, value: 500 })
    // reading: (40 + 1) / (100 + 20) = 0.342 × 1499 ≈ 512 in the senior segment on the web
    await stats('reading-ext-15', 'senior', 'web', 100, 40)
    // the same offer's record elsewhere does not count here
    await stats('premium-membership', 'senior', 'phone', 10, 10)
    await stats('premium-membership', '*', 'web', 10, 10)
    const ledger = new RecordingLedger()
    const made = await selectOffers(
      { db: database.db, ledger },
      contact({
        presentation: presentation('senior'),
        // membership: 0.05 × 999 × 4 ≈ 200; gift card: 0.05 × 500 (its margin, not its price) × 1 = 25
        eligible: [bySku('gift-card-25'), bySku('premium-membership', 4), bySku('reading-ext-15')],
        maxOffers: 2,
      }),
    )
    expect(made.offers.map((o) => o.sku)).toEqual(['reading-ext-15', 'premium-membership'])
    expect(made.skipped).toEqual([
      {
        sku: 'gift-card-25',
        rule: 'rule-gift-card-25',
        reason: 'ranked_out',
        message: 'Another offer ranked higher; this contact makes 2 at most',
      },
    ])
    const [first, second] = ledger.reserved
    expect(first).toMatchObject({
      offerId: 'off_reading-ext-15',
      segment: 'senior',
      channel: 'web',
      paymentMethodId: 'pm_1',
      decisionId: 'dec_1',
    })
    expect(first?.propensity).toBeCloseTo(41 / 120)
    expect(first?.priority).toBeCloseTo((41 / 120) * 1499)
    expect(second?.priority).toBeCloseTo(0.05 * 999 * 4)
    expect(made.offers[0]?.why).toMatchObject({
      rule: 'rule-reading-ext-15',
      weight: 1,
      value: 1499,
      segment: 'senior',
      presentation_rules: ['present-senior'],
    })
    expect(made.offers[0]?.why.message).toContain('40 of 100 accepted in segment senior')
  })

  it('passes the slot to the next offer when stock or credit cannot be reserved', async () => {
    await addOffer({ sku: 'tarot-deck', price: 3999 })
    await addOffer({ sku: 'premium-membership', price: 999 })
    await addOffer({ sku: 'gift-card-25', price: 2500, value: 500 })
    const ledger = new RecordingLedger()
    ledger.refuse.set('off_tarot-deck', 'out_of_stock')
    ledger.refuse.set('off_premium-membership', 'credit_declined')
    const made = await selectOffers(
      { db: database.db, ledger },
      contact({ eligible: [bySku('tarot-deck'), bySku('premium-membership'), bySku('gift-card-25')] }),
    )
    expect(ledger.reserved.map((r) => r.offerId)).toEqual([
      'off_tarot-deck',
      'off_premium-membership',
      'off_gift-card-25',
    ])
    expect(made.offers.map((o) => o.sku)).toEqual(['gift-card-25'])
    expect(made.skipped.map((s) => [s.sku, s.reason])).toEqual([
      ['tarot-deck', 'out_of_stock'],
      ['premium-membership', 'credit_declined'],
    ])
  })

  it('holds a stable share of customers out of each offer as the control group', async () => {
    await addOffer({ sku: 'reading-ext-15' })
    await addOffer({ sku: 'gift-card-25', value: 10 })
    const customers = Array.from({ length: 400 }, (_, i) => `cus_${i}`)
    const inControl = customers.filter((c) => inControlGroup(tenant, c, 'off_reading-ext-15', 10))
    // about one in ten, the same every time, and a different group for another offer or tenant
    expect(inControl.length).toBeGreaterThan(20)
    expect(inControl.length).toBeLessThan(65)
    expect(customers.filter((c) => inControlGroup(tenant, c, 'off_reading-ext-15', 10))).toEqual(inControl)
    expect(customers.filter((c) => inControlGroup(tenant, c, 'off_gift-card-25', 10))).not.toEqual(inControl)
    expect(customers.filter((c) => inControlGroup(tenant, c, 'off_reading-ext-15', 0))).toEqual([])
    expect(inControlGroup(tenant, null, 'off_reading-ext-15', 50)).toBe(false)

    const held = inControl[0] as string
    const ledger = new RecordingLedger()
    const eligible = [bySku('reading-ext-15'), bySku('gift-card-25')]
    const control = await selectOffers(
      { db: database.db, ledger },
      contact({ customerId: held, eligible, controlPercent: 10 }),
    )
    // the held-out customer takes the slot: nothing is shown, the next offer is not made instead
    expect(control.offers).toEqual([])
    expect(ledger.heldOut.map((r) => [r.offerId, r.customerId])).toEqual([['off_reading-ext-15', held]])
    expect(ledger.reserved).toEqual([])
    expect(control.skipped.map((s) => [s.sku, s.reason])).toEqual([
      ['reading-ext-15', 'control_group'],
      ['gift-card-25', 'ranked_out'],
    ])
    const free = customers.find((c) => !inControl.includes(c)) as string
    const shown = await selectOffers(
      { db: database.db, ledger },
      contact({ customerId: free, eligible, controlPercent: 10 }),
    )
    expect(shown.offers.map((o) => o.sku)).toEqual(['reading-ext-15'])
  })
})

describe('presentation', () => {
  beforeEach(async () => {
    await addOffer({ sku: 'reading-ext-15', channels: ['web', 'chat', 'phone', 'call_out'] })
    await treatment('reading-ext-15', 'trt_phone_all', { channel: 'phone' })
    await treatment('reading-ext-15', 'trt_phone_senior', {
      channel: 'phone',
      segment: 'senior',
      style: 'detailed',
    })
    await treatment('reading-ext-15', 'trt_web_all', { channel: 'web' })
    await treatment('reading-ext-15', 'trt_web_detailed', { channel: 'web', style: 'detailed' })
    await treatment('reading-ext-15', 'trt_web_spanish', { channel: 'web', language: 'es' })
  })

  async function treatmentFor(channel: OfferContact['channel'], chosen: Presentation) {
    const ledger = new RecordingLedger()
    const made = await selectOffers(
      { db: database.db, ledger },
      contact({ channel, presentation: chosen, eligible: [bySku('reading-ext-15')] }),
    )
    expect(ledger.reserved[0]?.treatmentId).toBe(made.offers[0]?.treatment?.id ?? null)
    return made.offers[0]?.treatment
  }

  it('is the treatment for the segment the rules chose, on the channel', async () => {
    const senior = await treatmentFor('phone', presentation('senior'))
    expect(senior).toMatchObject({
      id: 'trt_phone_senior',
      channel: 'phone',
      segment: 'senior',
      style: 'detailed',
      prompt: 'tone_stream://trt_phone_senior',
    })
    // a call-out is spoken too
    expect((await treatmentFor('call_out', presentation('senior')))?.id).toBe('trt_phone_senior')
  })

  it('falls back to the treatment for every segment', async () => {
    expect((await treatmentFor('phone', presentation('young_adult')))?.id).toBe('trt_phone_all')
    expect((await treatmentFor('phone', defaultPresentation))?.id).toBe('trt_phone_all')
  })

  it('follows the style and language the rules chose among the web treatments', async () => {
    expect((await treatmentFor('web', presentation('*', { style: 'detailed' })))?.id).toBe('trt_web_detailed')
    expect((await treatmentFor('chat', presentation('*', { language: 'es' })))?.id).toBe('trt_web_spanish')
    expect(await treatmentFor('web', defaultPresentation)).toMatchObject({
      id: 'trt_web_all',
      text: 'Read trt_web_all',
    })
  })

  it('is none when the offer has no treatment for the channel', async () => {
    await database.db.deleteFrom('offer_treatments').where('channel', '=', 'phone').execute()
    expect(await treatmentFor('phone', presentation('senior'))).toBeNull()
  })
})
