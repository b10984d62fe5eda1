// The offers catalog in SQL: what a tenant may offer (SKU, price, channels, tags, stock, contact
// policy) and how each offer is presented (treatments per channel and segment), created, changed,
// archived and restocked by staff with every change audited. Selection reads active offers here; the
// ledger reserves their stock (offers/ledger.ts), so stock set by staff never goes below what open
// offers hold, and it is changed by one conditional UPDATE that races no reservation.
import type { Selectable } from 'kysely'
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import type { OffersTable, OfferTreatmentsTable } from '../../db/schema.ts'
import { type Actor, recordAudit } from '../audit/audit.ts'
import { isCurrency } from '../billing/currency.ts'
import { type FieldError, fieldError, ProblemError } from '../http/problem.ts'
import { newId } from '../ids.ts'
import { type OfferChannel, offerChannels, type StockMode, stockModes, type TreatmentView } from './types.ts'

export const offerStatuses = ['active', 'archived'] as const
export type OfferStatus = (typeof offerStatuses)[number]
export const treatmentChannels = ['phone', 'web'] as const
export const treatmentStyles = ['concise', 'detailed'] as const
export const treatmentPaces = ['slow', 'normal', 'fast'] as const

export const MAX_MINOR_UNITS = 1_000_000_000_000
export const MAX_STOCK = 1_000_000_000
export const skuPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
export const tagPattern = /^[a-z0-9][a-z0-9_-]{0,39}$/
/** '*' (every segment) or a segment name the treatment rules emit, such as senior */
export const segmentPattern = /^(\*|[a-z0-9][a-z0-9_-]{0,39})$/
export const languagePattern = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/

/** An offer as staff see it: money in minor units of its currency, stock as counted here. */
export interface Offer {
  id: string
  sku: string
  name: string
  description: string
  price: number
  currency: string
  value: number | null
  tags: string[]
  channels: OfferChannel[]
  stock_mode: StockMode
  stock_on_hand: number
  stock_reserved: number
  max_offers_per_customer: number | null
  window_days: number | null
  decline_cooldown_days: number | null
  reservation_seconds: number
  status: OfferStatus
  created_at: Date
  updated_at: Date
}

/** What staff give to create an offer; a change gives the same fields, each optional, and never the SKU. */
export interface OfferInput {
  sku: string
  name: string
  description?: string | undefined
  price: number
  currency: string
  value?: number | null | undefined
  tags?: string[] | undefined
  channels: OfferChannel[]
  stock_mode?: StockMode | undefined
  /** the opening stock of a tracked offer; later changes go through setStock/adjustStock */
  stock_on_hand?: number | undefined
  max_offers_per_customer?: number | null | undefined
  window_days?: number | null | undefined
  decline_cooldown_days?: number | null | undefined
  reservation_seconds?: number | undefined
}

export type OfferChange = Partial<Omit<OfferInput, 'sku' | 'stock_on_hand'>> & {
  status?: OfferStatus | undefined
}

export interface Treatment extends TreatmentView {
  offer_id: string
  created_at: Date
}

export type TreatmentInput = {
  name: string
  channel: TreatmentView['channel']
  segment?: string | undefined
  style?: TreatmentView['style'] | undefined
  pace?: TreatmentView['pace'] | undefined
  language?: string | undefined
  prompt?: string | null | undefined
  script?: string | null | undefined
  text?: string | null | undefined
  image_url?: string | null | undefined
}

export type TreatmentChange = Partial<TreatmentInput>

const asNumber = (value: string | number | bigint) => Number(value)

function fromRow(row: Selectable<OffersTable>): Offer {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    price: asNumber(row.price),
    currency: row.currency,
    value: row.value === null ? null : asNumber(row.value),
    tags: row.tags,
    channels: row.channels as OfferChannel[],
    stock_mode: row.stock_mode as StockMode,
    stock_on_hand: row.stock_on_hand,
    stock_reserved: row.stock_reserved,
    max_offers_per_customer: row.max_offers_per_customer,
    window_days: row.window_days,
    decline_cooldown_days: row.decline_cooldown_days,
    reservation_seconds: row.reservation_seconds,
    status: row.status as OfferStatus,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

function treatmentFromRow(row: Selectable<OfferTreatmentsTable>): Treatment {
  return {
    id: row.id,
    offer_id: row.offer_id,
    name: row.name,
    channel: row.channel as Treatment['channel'],
    segment: row.segment,
    style: row.style as Treatment['style'],
    pace: row.pace as Treatment['pace'],
    language: row.language,
    prompt: row.prompt,
    script: row.script,
    text: row.text,
    image_url: row.image_url,
    created_at: row.created_at,
  }
}

/** What is left to offer: on hand less what open offers hold; null when stock is not counted here. */
export function availableStock(offer: Pick<Offer, 'stock_mode' | 'stock_on_hand' | 'stock_reserved'>) {
  return offer.stock_mode === 'tracked' ? offer.stock_on_hand - offer.stock_reserved : null
}

const wholeIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max

const among = <T extends string>(values: readonly T[], value: unknown): value is T =>
  typeof value === 'string' && (values as readonly string[]).includes(value)

type OfferFields = Omit<Offer, 'id' | 'status' | 'created_at' | 'updated_at' | 'stock_reserved'>

/**
 * Every problem with an offer as it would be stored, each naming its field; none for a good one.
 * A contact policy's count and window go together: "at most 2" means nothing without "in 7 days".
 */
export function offerProblems(offer: OfferFields): FieldError[] {
  const problems: FieldError[] = []
  if (!skuPattern.test(offer.sku))
    problems.push(
      fieldError(['sku'], 'letters, digits, ".", "-" and "_", at most 64, starting with a letter or digit'),
    )
  const name = offer.name.trim()
  if (name.length < 1 || name.length > 200)
    problems.push(fieldError(['name'], 'give a name of 1 to 200 characters'))
  if (offer.description.length > 1000) problems.push(fieldError(['description'], 'at most 1000 characters'))
  if (!isCurrency(offer.currency))
    problems.push(
      fieldError(['currency'], 'an ISO 4217 code of a currency in circulation, in capitals, such as USD'),
    )
  if (!wholeIn(offer.price, 0, MAX_MINOR_UNITS))
    problems.push(fieldError(['price'], 'whole minor units of the currency, 0 or more'))
  if (offer.value !== null && !wholeIn(offer.value, 0, MAX_MINOR_UNITS))
    problems.push(
      fieldError(['value'], 'whole minor units of the currency, 0 or more; leave it out to weigh the price'),
    )
  if (offer.tags.length > 20) problems.push(fieldError(['tags'], 'at most 20 tags'))
  offer.tags.forEach((tag, index) => {
    if (!tagPattern.test(tag))
      problems.push(fieldError(['tags', index], 'lowercase letters, digits, "-" and "_", at most 40'))
    else if (offer.tags.indexOf(tag) !== index)
      problems.push(fieldError(['tags', index], `"${tag}" is given twice`))
  })
  if (offer.channels.length === 0)
    problems.push(fieldError(['channels'], 'name at least one channel it may be offered in'))
  offer.channels.forEach((channel, index) => {
    if (!among(offerChannels, channel))
      problems.push(fieldError(['channels', index], `one of ${offerChannels.join(', ')}`))
    else if (offer.channels.indexOf(channel) !== index)
      problems.push(fieldError(['channels', index], `"${channel}" is given twice`))
  })
  if (!among(stockModes, offer.stock_mode)) problems.push(fieldError(['stock_mode'], stockModes.join(', ')))
  if (!wholeIn(offer.stock_on_hand, 0, MAX_STOCK))
    problems.push(fieldError(['stock_on_hand'], `a whole number of units from 0 to ${MAX_STOCK}`))
  else if (offer.stock_mode !== 'tracked' && offer.stock_on_hand !== 0)
    problems.push(fieldError(['stock_on_hand'], 'only a tracked offer counts its stock here'))
  const { max_offers_per_customer: most, window_days: window } = offer
  if (most !== null && !wholeIn(most, 1, 1000))
    problems.push(fieldError(['max_offers_per_customer'], 'a whole number from 1 to 1000'))
  if (window !== null && !wholeIn(window, 1, 365))
    problems.push(fieldError(['window_days'], 'whole days from 1 to 365'))
  if (most !== null && window === null)
    problems.push(fieldError(['window_days'], 'say over how many days the most offers per customer counts'))
  if (most === null && window !== null)
    problems.push(
      fieldError(['max_offers_per_customer'], 'say how many offers a customer may get in the window'),
    )
  if (offer.decline_cooldown_days !== null && !wholeIn(offer.decline_cooldown_days, 1, 365))
    problems.push(fieldError(['decline_cooldown_days'], 'whole days from 1 to 365; leave it out for none'))
  if (!wholeIn(offer.reservation_seconds, 30, 86_400))
    problems.push(fieldError(['reservation_seconds'], 'whole seconds from 30 to 86400 (a day)'))
  return problems
}

const isUrl = (text: string) => {
  try {
    const url = new URL(text)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}

/** A phone treatment is spoken (a prompt FreeSWITCH plays, a script read); a web one is shown (text, an image). */
export function treatmentProblems(treatment: Omit<TreatmentView, 'id'>): FieldError[] {
  const problems: FieldError[] = []
  const name = treatment.name.trim()
  if (name.length < 1 || name.length > 120)
    problems.push(fieldError(['name'], 'give a name of 1 to 120 characters'))
  if (!among(treatmentChannels, treatment.channel)) problems.push(fieldError(['channel'], 'phone or web'))
  if (!segmentPattern.test(treatment.segment))
    problems.push(fieldError(['segment'], '"*" for every customer, or a segment name such as senior'))
  if (!among(treatmentStyles, treatment.style)) problems.push(fieldError(['style'], 'concise or detailed'))
  if (!among(treatmentPaces, treatment.pace)) problems.push(fieldError(['pace'], 'slow, normal or fast'))
  if (!languagePattern.test(treatment.language))
    problems.push(fieldError(['language'], 'a language tag such as en or es-MX'))
  const long = (field: 'prompt' | 'script' | 'text', max: number) => {
    const value = treatment[field]
    if (value !== null && (value.trim() === '' || value.length > max))
      problems.push(fieldError([field], `1 to ${max} characters, or leave it out`))
  }
  long('prompt', 500)
  long('script', 2000)
  long('text', 2000)
  if (treatment.prompt !== null && /[\s{}]/.test(treatment.prompt.replace(/^tone_stream:\/\/.*$/, '')))
    problems.push(fieldError(['prompt'], 'a sound file path or a tone_stream:// without spaces'))
  if (treatment.image_url !== null && (treatment.image_url.length > 1000 || !isUrl(treatment.image_url)))
    problems.push(fieldError(['image_url'], 'an http:// or https:// address of the image'))
  if (treatment.channel === 'phone') {
    if (treatment.prompt === null && treatment.script === null)
      problems.push(fieldError(['prompt'], 'a phone treatment needs a prompt to play or a script to read'))
    if (treatment.text !== null)
      problems.push(fieldError(['text'], 'only for the web; a phone treatment has a script'))
    if (treatment.image_url !== null) problems.push(fieldError(['image_url'], 'only for the web'))
  }
  if (treatment.channel === 'web') {
    if (treatment.text === null)
      problems.push(fieldError(['text'], 'a web treatment needs the text customers read'))
    if (treatment.prompt !== null) problems.push(fieldError(['prompt'], 'only for the phone'))
    if (treatment.script !== null) problems.push(fieldError(['script'], 'only for the phone'))
  }
  return problems
}

function refuse(problems: FieldError[]): never {
  throw new ProblemError(
    'validation_failed',
    problems.map((p) => `${p.field}: ${p.message}`).join('; '),
    problems,
  )
}

const notFoundProblem = (id: string) => new ProblemError('not_found', `No offer ${id} in this workspace.`)

export interface OfferSearch {
  status?: OfferStatus | 'all' | undefined
  /** part of the SKU or the name */
  q?: string | undefined
  tag?: string | undefined
  channel?: OfferChannel | undefined
  /** the SKU the previous page ended at */
  after?: string | undefined
  limit: number
}

/** A page of the catalog by SKU (unique per tenant, so the keyset never repeats or skips). */
export async function listOffers(db: Db, tenantId: string, search: OfferSearch) {
  const term = search.q?.trim().toLowerCase()
  const like = term ? `%${term.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : ''
  const rows = await db
    .selectFrom('offers')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .$if((search.status ?? 'active') !== 'all', (q) => q.where('status', '=', search.status ?? 'active'))
    .$if(Boolean(term), (q) =>
      q.where((eb) => eb.or([eb(sql`lower(sku)`, 'like', like), eb(sql`lower(name)`, 'like', like)])),
    )
    .$if(search.tag !== undefined, (q) => q.where(sql<boolean>`tags @> ${jsonb([search.tag])}`))
    .$if(search.channel !== undefined, (q) => q.where(sql<boolean>`channels @> ${jsonb([search.channel])}`))
    .$if(search.after !== undefined, (q) => q.where('sku', '>', search.after ?? ''))
    .orderBy('sku', 'asc')
    .limit(search.limit + 1)
    .execute()
  const page = rows.slice(0, search.limit).map(fromRow)
  const last = page[page.length - 1]
  return { offers: page, next_cursor: rows.length > search.limit && last ? last.sku : null }
}

/** One offer of this tenant, archived or not; null when it has none by that id. */
export async function readOffer(db: Db, tenantId: string, id: string): Promise<Offer | null> {
  const row = await db
    .selectFrom('offers')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row ? fromRow(row) : null
}

async function mustLock(db: Db, tenantId: string, id: string): Promise<Offer> {
  const row = await db
    .selectFrom('offers')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst()
  if (!row) throw notFoundProblem(id)
  return fromRow(row)
}

export async function listTreatments(db: Db, tenantId: string, offerId: string): Promise<Treatment[]> {
  const rows = await db
    .selectFrom('offer_treatments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('offer_id', '=', offerId)
    .orderBy('channel')
    .orderBy('segment')
    .orderBy('language')
    .orderBy('id')
    .execute()
  return rows.map(treatmentFromRow)
}

/** The treatments of a page of offers, in one read. */
export async function treatmentsOf(
  db: Db,
  tenantId: string,
  offerIds: string[],
): Promise<Map<string, Treatment[]>> {
  const byOffer = new Map<string, Treatment[]>()
  if (!offerIds.length) return byOffer
  const rows = await db
    .selectFrom('offer_treatments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('offer_id', 'in', offerIds)
    .orderBy('channel')
    .orderBy('segment')
    .orderBy('language')
    .orderBy('id')
    .execute()
  for (const row of rows) {
    const list = byOffer.get(row.offer_id) ?? []
    list.push(treatmentFromRow(row))
    byOffer.set(row.offer_id, list)
  }
  return byOffer
}

/** What the audit log keeps of an offer: its settings and stock, not its timestamps. */
function audited(offer: Offer) {
  const { created_at: _created, updated_at: _updated, ...rest } = offer
  return rest
}

function auditedTreatment(treatment: Treatment) {
  const { created_at: _created, offer_id: _offer, ...rest } = treatment
  return rest
}

export async function createOffer(
  db: Db,
  tenantId: string,
  actor: Actor | null,
  input: OfferInput & { id?: string | undefined },
): Promise<Offer> {
  const id = input.id ?? newId('off')
  const offer: OfferFields = {
    sku: input.sku,
    name: input.name.trim(),
    description: input.description ?? '',
    price: input.price,
    currency: input.currency,
    value: input.value ?? null,
    tags: input.tags ?? [],
    channels: input.channels,
    stock_mode: input.stock_mode ?? 'tracked',
    stock_on_hand: input.stock_on_hand ?? 0,
    max_offers_per_customer: input.max_offers_per_customer ?? null,
    window_days: input.window_days ?? null,
    decline_cooldown_days: input.decline_cooldown_days ?? null,
    reservation_seconds: input.reservation_seconds ?? 900,
  }
  const problems = offerProblems(offer)
  if (problems.length) refuse(problems)
  return db.transaction().execute(async (trx) => {
    const taken = await trx
      .selectFrom('offers')
      .select(['id', 'sku'])
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('id', '=', id), eb('sku', '=', offer.sku)]))
      .executeTakeFirst()
    if (taken)
      throw new ProblemError(
        'conflict',
        taken.sku === offer.sku
          ? `An offer with SKU ${offer.sku} already exists.`
          : `An offer with id ${id} already exists.`,
      )
    const row = await trx
      .insertInto('offers')
      .values({
        tenant_id: tenantId,
        id,
        ...offer,
        tags: jsonb(offer.tags),
        channels: jsonb(offer.channels),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    const created = fromRow(row)
    await recordAudit(trx, tenantId, actor, {
      action: 'offer.created',
      entityType: 'offer',
      entityId: id,
      after: audited(created),
    })
    return created
  })
}

/**
 * Changes an offer. The SKU never changes: rule sets name offers by it, and a renamed SKU would
 * silently stop their offer events. How stock is kept cannot change while open offers hold some.
 */
export async function updateOffer(
  db: Db,
  tenantId: string,
  id: string,
  actor: Actor | null,
  change: OfferChange,
): Promise<Offer> {
  return db.transaction().execute(async (trx) => {
    const before = await mustLock(trx, tenantId, id)
    const defined = Object.fromEntries(
      Object.entries(change).filter(([, v]) => v !== undefined),
    ) as OfferChange
    const next: Offer = { ...before, ...defined } as Offer
    if (defined.name !== undefined) next.name = defined.name.trim()
    // leaving tracked stock forgets the count; coming back starts from nothing until restocked
    if (next.stock_mode !== 'tracked') next.stock_on_hand = 0
    const problems = offerProblems(next)
    if (!among(offerStatuses, next.status)) problems.push(fieldError(['status'], 'active or archived'))
    if (problems.length) refuse(problems)
    if (next.stock_mode !== before.stock_mode && before.stock_reserved > 0)
      throw new ProblemError(
        'conflict',
        `${before.stock_reserved} units are held by open offers; stock_mode can change once they are accepted, declined or expired.`,
      )
    const row = await trx
      .updateTable('offers')
      .set({
        name: next.name,
        description: next.description,
        price: next.price,
        currency: next.currency,
        value: next.value,
        tags: jsonb(next.tags),
        channels: jsonb(next.channels),
        stock_mode: next.stock_mode,
        stock_on_hand: next.stock_on_hand,
        max_offers_per_customer: next.max_offers_per_customer,
        window_days: next.window_days,
        decline_cooldown_days: next.decline_cooldown_days,
        reservation_seconds: next.reservation_seconds,
        status: next.status,
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
    const after = fromRow(row)
    const action =
      before.status === 'active' && after.status === 'archived'
        ? 'offer.archived'
        : before.status === 'archived' && after.status === 'active'
          ? 'offer.restored'
          : 'offer.updated'
    await recordAudit(trx, tenantId, actor, {
      action,
      entityType: 'offer',
      entityId: id,
      before: audited(before),
      after: audited(after),
    })
    return after
  })
}

/** Takes an offer out of selection; open offers of it can still be accepted until they expire. */
export function archiveOffer(db: Db, tenantId: string, id: string, actor: Actor | null) {
  return updateOffer(db, tenantId, id, actor, { status: 'archived' })
}

export type StockChange = { set_to: number; reason: string } | { adjust_by: number; reason: string }

/**
 * Sets or adjusts a tracked offer's stock on hand, with the reason audited. One conditional UPDATE
 * against the row's current reservation: a count below what open offers hold is refused, however
 * the ledger's reservations interleave with it.
 */
export async function changeStock(
  db: Db,
  tenantId: string,
  id: string,
  actor: Actor | null,
  change: StockChange,
): Promise<Offer> {
  const field = 'set_to' in change ? 'set_to' : 'adjust_by'
  const reason = change.reason.trim()
  if (reason.length < 1 || reason.length > 500)
    refuse([fieldError(['reason'], 'say why, in 1 to 500 characters')])
  const amount = 'set_to' in change ? change.set_to : change.adjust_by
  if (
    !wholeIn(amount, field === 'set_to' ? 0 : -MAX_STOCK, MAX_STOCK) ||
    (field === 'adjust_by' && amount === 0)
  )
    refuse([
      fieldError(
        [field],
        field === 'set_to'
          ? `a whole number of units from 0 to ${MAX_STOCK}`
          : 'a whole number of units, not 0 (negative takes away)',
      ),
    ])
  return db.transaction().execute(async (trx) => {
    const before = await readOffer(trx, tenantId, id)
    if (!before) throw notFoundProblem(id)
    if (before.stock_mode !== 'tracked')
      throw new ProblemError(
        'conflict',
        `${before.name} keeps no stock here (stock_mode ${before.stock_mode}); make it tracked to count its units.`,
      )
    const target =
      'set_to' in change
        ? sql<number>`${change.set_to}::integer`
        : sql<number>`stock_on_hand + ${change.adjust_by}::integer`
    const row = await trx
      .updateTable('offers')
      .set({ stock_on_hand: target, updated_at: new Date() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('stock_mode', '=', 'tracked')
      .where(sql<boolean>`${target} >= stock_reserved`)
      .where(sql<boolean>`${target} <= ${MAX_STOCK}::integer`)
      .returningAll()
      .executeTakeFirst()
    if (!row) {
      const now = await readOffer(trx, tenantId, id)
      const reserved = now?.stock_reserved ?? before.stock_reserved
      const onHand = now?.stock_on_hand ?? before.stock_on_hand
      refuse([
        fieldError(
          [field],
          `would leave ${field === 'set_to' ? amount : onHand + amount} on hand: at least the ${reserved} held by open offers must stay, and at most ${MAX_STOCK}`,
        ),
      ])
    }
    const after = fromRow(row)
    await recordAudit(trx, tenantId, actor, {
      action: 'offer.stock_changed',
      entityType: 'offer',
      entityId: id,
      before: { stock_on_hand: before.stock_on_hand, stock_reserved: before.stock_reserved },
      after: { stock_on_hand: after.stock_on_hand, stock_reserved: after.stock_reserved, reason },
    })
    return after
  })
}

const blankTreatment: Omit<TreatmentView, 'id'> = {
  name: '',
  channel: 'web',
  segment: '*',
  style: 'concise',
  pace: 'normal',
  language: 'en',
  prompt: null,
  script: null,
  text: null,
  image_url: null,
}

/** The treatment as it would be stored: the fields given over the current ones (or the defaults). */
function treatmentOf(input: TreatmentChange, base: Omit<TreatmentView, 'id'>): Omit<TreatmentView, 'id'> {
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined))
  const next = { ...base, ...given } as Omit<TreatmentView, 'id'>
  return { ...next, name: next.name.trim() }
}

async function refuseDuplicate(
  db: Db,
  tenantId: string,
  offerId: string,
  treatment: Omit<TreatmentView, 'id'>,
  exceptId: string | null,
) {
  const twin = await db
    .selectFrom('offer_treatments')
    .select(['id', 'name'])
    .where('tenant_id', '=', tenantId)
    .where('offer_id', '=', offerId)
    .where('channel', '=', treatment.channel)
    .where('segment', '=', treatment.segment)
    .where('language', '=', treatment.language)
    .$if(exceptId !== null, (q) => q.where('id', '<>', exceptId ?? ''))
    .executeTakeFirst()
  if (twin)
    throw new ProblemError(
      'conflict',
      `"${twin.name}" already presents this offer on the ${treatment.channel} to segment ${treatment.segment} in ${treatment.language}; change that one instead.`,
    )
}

/** Adds how an offer is presented on a channel to a segment; one per channel × segment × language. */
export async function addTreatment(
  db: Db,
  tenantId: string,
  offerId: string,
  actor: Actor | null,
  input: TreatmentInput & { id?: string | undefined },
): Promise<Treatment> {
  const { id: chosenId, ...fields } = input
  const treatment = treatmentOf(fields, blankTreatment)
  const problems = treatmentProblems(treatment)
  if (problems.length) refuse(problems)
  return db.transaction().execute(async (trx) => {
    // the offer's row lock serialises treatment changes, so the duplicate check cannot race
    await mustLock(trx, tenantId, offerId)
    await refuseDuplicate(trx, tenantId, offerId, treatment, null)
    const row = await trx
      .insertInto('offer_treatments')
      .values({ tenant_id: tenantId, id: chosenId ?? newId('otr'), offer_id: offerId, ...treatment })
      .returningAll()
      .executeTakeFirstOrThrow()
    const added = treatmentFromRow(row)
    await recordAudit(trx, tenantId, actor, {
      action: 'offer.treatment_added',
      entityType: 'offer',
      entityId: offerId,
      after: { treatment: auditedTreatment(added) },
    })
    return added
  })
}

async function mustReadTreatment(db: Db, tenantId: string, offerId: string, id: string): Promise<Treatment> {
  const row = await db
    .selectFrom('offer_treatments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('offer_id', '=', offerId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) throw new ProblemError('not_found', `No treatment ${id} on offer ${offerId}.`)
  return treatmentFromRow(row)
}

export async function updateTreatment(
  db: Db,
  tenantId: string,
  offerId: string,
  id: string,
  actor: Actor | null,
  change: TreatmentChange,
): Promise<Treatment> {
  return db.transaction().execute(async (trx) => {
    await mustLock(trx, tenantId, offerId)
    const before = await mustReadTreatment(trx, tenantId, offerId, id)
    const { id: _id, offer_id: _offer, created_at: _created, ...current } = before
    const next = treatmentOf(change, current)
    const problems = treatmentProblems(next)
    if (problems.length) refuse(problems)
    await refuseDuplicate(trx, tenantId, offerId, next, id)
    const row = await trx
      .updateTable('offer_treatments')
      .set(next)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
    const after = treatmentFromRow(row)
    await recordAudit(trx, tenantId, actor, {
      action: 'offer.treatment_changed',
      entityType: 'offer',
      entityId: offerId,
      before: { treatment: auditedTreatment(before) },
      after: { treatment: auditedTreatment(after) },
    })
    return after
  })
}

/** Removes a treatment; offers already made keep the id they were presented with. */
export async function removeTreatment(
  db: Db,
  tenantId: string,
  offerId: string,
  id: string,
  actor: Actor | null,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await mustLock(trx, tenantId, offerId)
    const before = await mustReadTreatment(trx, tenantId, offerId, id)
    await trx.deleteFrom('offer_treatments').where('tenant_id', '=', tenantId).where('id', '=', id).execute()
    await recordAudit(trx, tenantId, actor, {
      action: 'offer.treatment_removed',
      entityType: 'offer',
      entityId: offerId,
      before: { treatment: auditedTreatment(before) },
    })
  })
}
