// /admin/v1/offers: the catalog staff manage — offers with their price, channels, tags, stock and
// contact policy; how each is presented (treatments per channel and segment); stock set or adjusted
// with a reason; and take rates by offer, segment and channel. Viewers read; editors write; every
// write is audited. Amounts are integer minor units of the offer's currency.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError, validationProblem } from '../http/problem.ts'
import {
  addTreatment,
  archiveOffer,
  availableStock,
  changeStock,
  createOffer,
  languagePattern,
  listOffers,
  listTreatments,
  MAX_MINOR_UNITS,
  MAX_STOCK,
  type Offer,
  offerStatuses,
  readOffer,
  removeTreatment,
  segmentPattern,
  skuPattern,
  type Treatment,
  tagPattern,
  treatmentChannels,
  treatmentPaces,
  treatmentStyles,
  treatmentsOf,
  updateOffer,
  updateTreatment,
} from './catalog.ts'
import { readTakeRates } from './take-rates.ts'
import { offerChannels, stockModes } from './types.ts'

const minorUnits = (description: string) =>
  z.number().int().min(0).max(MAX_MINOR_UNITS).openapi({ description })

const treatmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    channel: z.enum(treatmentChannels).openapi({
      description: 'phone: spoken in a call or a call-out; web: shown on a page or in an e-mail',
    }),
    segment: z.string().openapi({ description: 'the customer segment it suits ("*": everyone else)' }),
    style: z.enum(treatmentStyles),
    pace: z.enum(treatmentPaces),
    language: z.string().openapi({ description: 'BCP 47', example: 'en' }),
    prompt: z
      .string()
      .nullable()
      .openapi({ description: 'phone: a sound file or tone_stream:// FreeSWITCH plays' }),
    script: z.string().nullable().openapi({ description: 'phone: what is read to the caller' }),
    text: z.string().nullable().openapi({ description: 'web: what the customer reads' }),
    image_url: z.string().nullable().openapi({ description: 'web: an image shown with the text' }),
  })
  .openapi('OfferTreatment')

const offerSchema = z
  .object({
    id: z.string(),
    sku: z.string().openapi({ description: 'what rule sets’ offer events name; never changes' }),
    name: z.string(),
    description: z.string(),
    price: z.number().int().openapi({ description: 'minor units of the currency' }),
    currency: z.string().openapi({ description: 'ISO 4217', example: 'USD' }),
    value: z.number().int().nullable().openapi({
      description: 'minor units arbitration weighs (the margin); null weighs the price',
    }),
    tags: z.array(z.string()).openapi({ description: 'what offer events may name instead of a SKU' }),
    channels: z.array(z.enum(offerChannels)),
    stock_mode: z.enum(stockModes).openapi({
      description:
        'tracked: counted here; provider: asked of an outside stock check before each offer; unlimited: services and information',
    }),
    stock_on_hand: z.number().int(),
    stock_reserved: z
      .number()
      .int()
      .openapi({ description: 'held by offers made and not yet accepted, declined or expired' }),
    stock_available: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'on hand less reserved; null unless tracked' }),
    max_offers_per_customer: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'contact policy: at most this many …' }),
    window_days: z.number().int().nullable().openapi({ description: '… in this many days' }),
    decline_cooldown_days: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'contact policy: not offered again for this many days after a decline' }),
    reservation_seconds: z
      .number()
      .int()
      .openapi({ description: 'how long an offer made holds its stock and the customer’s credit' }),
    status: z.enum(offerStatuses).openapi({ description: 'archived offers are never selected' }),
    treatments: z.array(treatmentSchema),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Offer')

const countField = (description: string) => z.number().int().openapi({ description })
const revenueSchema = z.array(
  z.object({
    currency: z.string(),
    amount: z.number().int().openapi({ description: 'minor units captured' }),
  }),
)
const countsShape = {
  presented: countField('offers made (stock and credit reserved)'),
  accepted: countField('of those, accepted'),
  declined: countField('of those, declined'),
  expired: countField('of those, expired unanswered'),
  control: countField('held out for measurement, never shown'),
  take_rate: z
    .number()
    .nullable()
    .openapi({ description: 'accepted ÷ presented; null when none were presented' }),
  revenue: revenueSchema,
}
const takeRateGroup = z.object({ key: z.string(), label: z.string(), ...countsShape })
const takeRatesSchema = z
  .object({
    source: z.enum(['counters', 'presentations']).openapi({
      description:
        'counters: all time, what arbitration learns from; presentations: the offers made in the range',
    }),
    from: z.string().nullable(),
    to: z.string().nullable(),
    time_zone: z.string().openapi({ description: 'the tenant’s zone, whose days from and to are' }),
    rows: z.array(
      z.object({
        offer_id: z.string(),
        sku: z.string(),
        name: z.string(),
        segment: z.string(),
        channel: z.string(),
        ...countsShape,
      }),
    ),
    by_offer: z.array(takeRateGroup),
    by_segment: z.array(takeRateGroup),
    by_channel: z.array(takeRateGroup),
  })
  .openapi('OfferTakeRates')

const offerFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(1000),
  price: minorUnits('minor units of the currency (19.99 USD is 1999)'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code in capitals, such as USD')
    .openapi({ example: 'USD' }),
  value: minorUnits('minor units arbitration weighs; null weighs the price').nullable(),
  tags: z.array(z.string().regex(tagPattern, 'lowercase letters, digits, - and _')).max(20),
  channels: z.array(z.enum(offerChannels)).min(1).max(offerChannels.length),
  stock_mode: z.enum(stockModes),
  max_offers_per_customer: z.number().int().min(1).max(1000).nullable(),
  window_days: z.number().int().min(1).max(365).nullable(),
  decline_cooldown_days: z.number().int().min(1).max(365).nullable(),
  reservation_seconds: z.number().int().min(30).max(86_400),
}

const createBody = z
  .object({
    sku: z
      .string()
      .regex(skuPattern, 'letters, digits, ".", "-" and "_", at most 64')
      .openapi({ example: 'gift-card-25' }),
    ...offerFields,
    description: offerFields.description.default(''),
    value: offerFields.value.optional(),
    tags: offerFields.tags.default([]),
    stock_mode: offerFields.stock_mode.default('tracked'),
    stock_on_hand: z
      .number()
      .int()
      .min(0)
      .max(MAX_STOCK)
      .optional()
      .openapi({ description: 'the opening stock of a tracked offer (default 0); later, POST …/stock' }),
    max_offers_per_customer: offerFields.max_offers_per_customer.optional(),
    window_days: offerFields.window_days.optional(),
    decline_cooldown_days: offerFields.decline_cooldown_days.optional(),
    reservation_seconds: offerFields.reservation_seconds.default(900),
  })
  .strict()

const changeBody = z
  .object({
    name: offerFields.name.optional(),
    description: offerFields.description.optional(),
    price: offerFields.price.optional(),
    currency: offerFields.currency.optional(),
    value: offerFields.value.optional(),
    tags: offerFields.tags.optional(),
    channels: offerFields.channels.optional(),
    stock_mode: offerFields.stock_mode.optional(),
    max_offers_per_customer: offerFields.max_offers_per_customer.optional(),
    window_days: offerFields.window_days.optional(),
    decline_cooldown_days: offerFields.decline_cooldown_days.optional(),
    reservation_seconds: offerFields.reservation_seconds.optional(),
    status: z.enum(offerStatuses).optional(),
  })
  .strict()

const stockBody = z
  .object({
    set_to: z
      .number()
      .int()
      .min(0)
      .max(MAX_STOCK)
      .optional()
      .openapi({ description: 'the count on hand now' }),
    adjust_by: z
      .number()
      .int()
      .min(-MAX_STOCK)
      .max(MAX_STOCK)
      .optional()
      .openapi({ description: 'units received (positive) or written off (negative)' }),
    reason: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .openapi({ description: 'kept in the audit log', example: 'Delivery 4711' }),
  })
  .strict()

const treatmentFields = {
  name: z.string().trim().min(1).max(120),
  channel: z.enum(treatmentChannels),
  segment: z.string().regex(segmentPattern, '"*" or a segment name such as senior'),
  style: z.enum(treatmentStyles),
  pace: z.enum(treatmentPaces),
  language: z.string().regex(languagePattern, 'a language tag such as en or es-MX'),
  prompt: z.string().max(500).nullable(),
  script: z.string().max(2000).nullable(),
  text: z.string().max(2000).nullable(),
  image_url: z.string().max(1000).nullable(),
}

const treatmentCreateBody = z
  .object({
    ...treatmentFields,
    segment: treatmentFields.segment.default('*'),
    style: treatmentFields.style.default('concise'),
    pace: treatmentFields.pace.default('normal'),
    language: treatmentFields.language.default('en'),
    prompt: treatmentFields.prompt.optional(),
    script: treatmentFields.script.optional(),
    text: treatmentFields.text.optional(),
    image_url: treatmentFields.image_url.optional(),
  })
  .strict()

const treatmentChangeBody = z
  .object(
    Object.fromEntries(Object.entries(treatmentFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof treatmentFields]: z.ZodOptional<(typeof treatmentFields)[K]>
    },
  )
  .strict()

const idParam = z.object({ id: z.string().min(1).max(64) })
const treatmentParams = z.object({ id: z.string().min(1).max(64), treatmentId: z.string().min(1).max(64) })
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })
const tags = ['Offers']

const getOffers = adminRoute('viewer', {
  method: 'get',
  path: '/offers',
  tags,
  summary: 'The offers catalog, by SKU, a page at a time',
  request: {
    query: z.object({
      status: z.enum([...offerStatuses, 'all']).default('active'),
      q: z.string().max(100).optional().openapi({ description: 'part of the SKU or the name' }),
      tag: z.string().max(40).optional(),
      channel: z.enum(offerChannels).optional(),
      cursor: z.string().max(200).optional().openapi({ description: 'next_cursor of the previous page' }),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: {
      description: 'A page of offers',
      content: json(z.object({ offers: z.array(offerSchema), next_cursor: z.string().nullable() })),
    },
    ...adminProblems,
    ...unprocessable,
  },
})

const getTakeRates = adminRoute('viewer', {
  method: 'get',
  path: '/offers/stats',
  tags,
  summary: 'Take rates by offer, segment and channel',
  description:
    'Without from and to: all time, from the counters arbitration learns propensity from. With both (YYYY-MM-DD, the tenant’s days, inclusive): the offers made in that range. Revenue is what accepted offers captured, per currency, in minor units.',
  request: {
    query: z.object({
      from: z.iso.date().optional(),
      to: z.iso.date().optional(),
      offer_id: z.string().max(64).optional(),
    }),
  },
  responses: {
    200: { description: 'Take rates', content: json(takeRatesSchema) },
    ...adminProblems,
    ...unprocessable,
  },
})

const getOffer = adminRoute('viewer', {
  method: 'get',
  path: '/offers/{id}',
  tags,
  summary: 'An offer with its stock and treatments',
  request: { params: idParam },
  responses: { 200: { description: 'The offer', content: json(offerSchema) }, ...adminProblems, ...notFound },
})

const postOffer = adminRoute('editor', {
  method: 'post',
  path: '/offers',
  tags,
  summary: 'Add an offer to the catalog',
  description:
    'Money is integer minor units of the currency. A contact policy gives max_offers_per_customer and window_days together. A tracked offer may start with stock_on_hand; later changes go through POST /offers/{id}/stock with a reason.',
  request: { body: { required: true, content: json(createBody) } },
  responses: {
    201: { description: 'Created', content: json(offerSchema) },
    ...adminProblems,
    ...conflict,
    ...unprocessable,
  },
})

const patchOffer = adminRoute('editor', {
  method: 'patch',
  path: '/offers/{id}',
  tags,
  summary: 'Change an offer',
  description:
    'Only the fields given change; the SKU never does (rule sets name offers by it). stock_mode cannot change while open offers hold stock (409). status: active brings an archived offer back.',
  request: { params: idParam, body: { required: true, content: json(changeBody) } },
  responses: {
    200: { description: 'Changed', content: json(offerSchema) },
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

const archiveRoute = adminRoute('editor', {
  method: 'post',
  path: '/offers/{id}/archive',
  tags,
  summary: 'Archive an offer',
  description: 'It is no longer selected; offers already made of it can still be accepted until they expire.',
  request: { params: idParam },
  responses: { 200: { description: 'Archived', content: json(offerSchema) }, ...adminProblems, ...notFound },
})

const postStock = adminRoute('editor', {
  method: 'post',
  path: '/offers/{id}/stock',
  tags,
  summary: 'Set or adjust a tracked offer’s stock, with a reason',
  description:
    'Give exactly one of set_to (a count) or adjust_by (units received, or written off when negative). Stock on hand never goes below what open offers reserve (422 naming the field). Only tracked offers count stock (409 otherwise). The reason is audited.',
  request: { params: idParam, body: { required: true, content: json(stockBody) } },
  responses: {
    200: { description: 'The offer with its new stock', content: json(offerSchema) },
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

const postTreatment = adminRoute('editor', {
  method: 'post',
  path: '/offers/{id}/treatments',
  tags,
  summary: 'Add a treatment: how the offer is presented on a channel to a segment',
  description:
    'phone treatments give a prompt (a sound file or tone_stream://) or a script; web treatments give text and may give an image_url. One per channel, segment and language (409).',
  request: { params: idParam, body: { required: true, content: json(treatmentCreateBody) } },
  responses: {
    201: { description: 'Added', content: json(treatmentSchema) },
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

const patchTreatment = adminRoute('editor', {
  method: 'patch',
  path: '/offers/{id}/treatments/{treatmentId}',
  tags,
  summary: 'Change a treatment',
  request: { params: treatmentParams, body: { required: true, content: json(treatmentChangeBody) } },
  responses: {
    200: { description: 'Changed', content: json(treatmentSchema) },
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

const deleteTreatment = adminRoute('editor', {
  method: 'delete',
  path: '/offers/{id}/treatments/{treatmentId}',
  tags,
  summary: 'Remove a treatment',
  request: { params: treatmentParams },
  responses: { 204: { description: 'Removed' }, ...adminProblems, ...notFound },
})

function treatmentBody(t: Treatment) {
  return {
    id: t.id,
    name: t.name,
    channel: t.channel,
    segment: t.segment,
    style: t.style,
    pace: t.pace,
    language: t.language,
    prompt: t.prompt,
    script: t.script,
    text: t.text,
    image_url: t.image_url,
  }
}

function offerBody(offer: Offer, treatments: Treatment[]) {
  return {
    id: offer.id,
    sku: offer.sku,
    name: offer.name,
    description: offer.description,
    price: offer.price,
    currency: offer.currency,
    value: offer.value,
    tags: offer.tags,
    channels: offer.channels,
    stock_mode: offer.stock_mode,
    stock_on_hand: offer.stock_on_hand,
    stock_reserved: offer.stock_reserved,
    stock_available: availableStock(offer),
    max_offers_per_customer: offer.max_offers_per_customer,
    window_days: offer.window_days,
    decline_cooldown_days: offer.decline_cooldown_days,
    reservation_seconds: offer.reservation_seconds,
    status: offer.status,
    treatments: treatments.map(treatmentBody),
    created_at: offer.created_at.toISOString(),
    updated_at: offer.updated_at.toISOString(),
  }
}

export function offerCatalogRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })
  const actorOf = (c: { get(key: 'staff'): { userId: string; email: string } }) => {
    const staff = c.get('staff')
    return { id: staff.userId, email: staff.email }
  }
  const withTreatments = async (tenantId: string, offer: Offer) =>
    offerBody(offer, await listTreatments(db, tenantId, offer.id))

  app.openapi(getOffers, async (c) => {
    const q = c.req.valid('query')
    const tenantId = c.get('staff').tenantId
    const page = await listOffers(db, tenantId, {
      status: q.status,
      q: q.q,
      tag: q.tag,
      channel: q.channel,
      after: q.cursor,
      limit: q.limit,
    })
    const treatments = await treatmentsOf(
      db,
      tenantId,
      page.offers.map((o) => o.id),
    )
    const offers = page.offers.map((offer) => offerBody(offer, treatments.get(offer.id) ?? []))
    return c.json({ offers, next_cursor: page.next_cursor }, 200)
  })

  // before /offers/{id}, which would take "stats" for an id
  app.openapi(getTakeRates, async (c) => {
    const q = c.req.valid('query')
    if ((q.from === undefined) !== (q.to === undefined))
      throw validationProblem(
        [q.from === undefined ? 'from' : 'to'],
        'give from and to together, or neither for all time',
      )
    if (q.from !== undefined && q.to !== undefined && q.from > q.to)
      throw validationProblem(['to'], 'must be on or after from')
    return c.json(
      await readTakeRates(db, c.get('staff').tenantId, { from: q.from, to: q.to, offerId: q.offer_id }),
      200,
    )
  })

  app.openapi(getOffer, async (c) => {
    const { id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    const offer = await readOffer(db, tenantId, id)
    if (!offer) throw new ProblemError('not_found', `No offer ${id} in this workspace.`)
    return c.json(await withTreatments(tenantId, offer), 200)
  })

  app.openapi(postOffer, async (c) => {
    const tenantId = c.get('staff').tenantId
    const offer = await createOffer(db, tenantId, actorOf(c), c.req.valid('json'))
    return c.json(offerBody(offer, []), 201)
  })

  app.openapi(patchOffer, async (c) => {
    const { id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    const offer = await updateOffer(db, tenantId, id, actorOf(c), c.req.valid('json'))
    return c.json(await withTreatments(tenantId, offer), 200)
  })

  app.openapi(archiveRoute, async (c) => {
    const { id } = c.req.valid('param')
    const tenantId = c.get('staff').tenantId
    const offer = await archiveOffer(db, tenantId, id, actorOf(c))
    return c.json(await withTreatments(tenantId, offer), 200)
  })

  app.openapi(postStock, async (c) => {
    const { id } = c.req.valid('param')
    const body = c.req.valid('json')
    if ((body.set_to === undefined) === (body.adjust_by === undefined))
      throw validationProblem(['set_to'], 'give exactly one of set_to or adjust_by')
    const tenantId = c.get('staff').tenantId
    const change =
      body.set_to !== undefined
        ? { set_to: body.set_to, reason: body.reason }
        : { adjust_by: body.adjust_by as number, reason: body.reason }
    const offer = await changeStock(db, tenantId, id, actorOf(c), change)
    return c.json(await withTreatments(tenantId, offer), 200)
  })

  app.openapi(postTreatment, async (c) => {
    const { id } = c.req.valid('param')
    const treatment = await addTreatment(db, c.get('staff').tenantId, id, actorOf(c), c.req.valid('json'))
    return c.json(treatmentBody(treatment), 201)
  })

  app.openapi(patchTreatment, async (c) => {
    const { id, treatmentId } = c.req.valid('param')
    const treatment = await updateTreatment(
      db,
      c.get('staff').tenantId,
      id,
      treatmentId,
      actorOf(c),
      c.req.valid('json'),
    )
    return c.json(treatmentBody(treatment), 200)
  })

  app.openapi(deleteTreatment, async (c) => {
    const { id, treatmentId } = c.req.valid('param')
    await removeTreatment(db, c.get('staff').tenantId, id, treatmentId, actorOf(c))
    return c.body(null, 204)
  })

  return app
}
