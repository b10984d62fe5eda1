// The call-out dialer (step 8): the bridge claims the campaign contacts due now (CallOutQueue, which
// chooses and paces them in the database), originates each with
//   bgapi originate {origination_caller_id_number=…,tollgate_contact=<id>,originate_timeout=…}<dial string>
//     &socket('<this bridge's listener> async full')
// and, when the customer answers, FreeSWITCH hands the leg back to this bridge's outbound-socket
// listener, where it is recognised by its `tollgate_contact` variable (never by the number dialled).
// The answered call runs the fraud controls (a decision: a purchase of the offer on the phone, the
// ANI being the customer's number, the customer's stored method), makes the offer through the
// offers' ledger (its stock reserved, its price held), plays the offer's phone treatment and takes
// the key: 1 accepts (the ledger captures the hold and writes the order), 2 declines, 9 asks never
// to be called again (do_not_call). What each call came to is reported to the queue, which retries a
// no answer or a busy line and closes the rest.
//
// The socket data is quoted: originate splits its arguments at spaces, so an unquoted
// `&socket(host:port async full)` would reach the socket app as `host:port` alone, without `full`.
import type { CallOutContact, CallOutQueue, CallOutResult } from '../server/campaigns/types.ts'
import type { OfferLedger, OfferMade, TreatmentView } from '../server/offers/types.ts'
import type { FlowDeps } from './deps.ts'
import { type CallChannel, EslCommandError } from './esl/types.ts'

const tone = (spec: string) => `tone_stream://${spec}`

/** What a called customer hears besides the offer's own phone treatment; a bare FreeSWITCH plays them all. */
export const callOutPrompts = {
  /** the offer, when its treatment has no phone prompt: "press 1 to accept, 2 to decline, 9 …" */
  offer: tone('%(300,100,523,659);%(300,100,659,784);loops=2'),
  invalid: tone('%(100,100,300);loops=2'),
  accepted: tone('%(200,100,660,880);%(400,0,880,1047)'),
  declined: tone('%(500,0,350,440)'),
  do_not_call: tone('%(200,200,440);loops=2'),
  /** the offer could not be made after all (the fraud controls, stock, credit): a polite goodbye */
  goodbye: tone('%(500,0,350,440)'),
}
export type CallOutPrompts = typeof callOutPrompts

export interface CallOutSettings {
  /** the campaigns' contacts (services.campaigns) */
  queue: CallOutQueue
  /** CALLOUT_DIAL_STRING: {number} is the customer's E.164 number, {digits} the same without '+' */
  dialString: string
  /** CALLOUT_CALLER_ID: the number the customer sees; FreeSWITCH's default when null */
  callerId: string | null
  /** how long a customer's phone rings (originate_timeout) */
  ringSeconds: number
  /** where FreeSWITCH connects the answered leg: this bridge's listener unless given */
  socket?: { host: string; port: number }
  /** calls this bridge keeps going at once (the campaigns' pacing limits them further) */
  maxCalls?: number
  /** how often the queue is asked for contacts due (real ms) */
  pollMs?: number
  /** how long an answered leg may take to reach the listener (real ms) */
  socketWaitMs?: number
  /** how long the customer has to press a key after the offer, per try */
  keyTimeoutMs?: number
  prompts?: Partial<CallOutPrompts>
}

export interface CallOutDialer {
  /** the flow for a leg this bridge dialled (by its tollgate_contact), or undefined */
  take(call: CallChannel): (() => Promise<void>) | undefined
  /** one round: claims the contacts due and starts dialling them; returns how many */
  tick(): Promise<number>
  /** the calls under way (dialling or answered) */
  readonly active: number
  start(): void
  /** stops claiming; the calls under way go on (they end with their channels or the control connection) */
  stop(): Promise<void>
  /** waits for the calls under way, at most graceMs */
  drain(graceMs: number): Promise<void>
}

interface Pending {
  contact: CallOutContact
  started: boolean
  onStart: () => void
  flow: Promise<void> | undefined
}

// what goes between originate's braces: no ',', '}', quote or space can reach the command
const safeVariable = /^[a-z_]+=[A-Za-z0-9_+.:-]{1,128}$/
const safePhone = /^\+?[0-9]{3,20}$/

/** The customer's number in the deployer's dial string; null for a number that is not one. */
export function dialStringFor(template: string, phone: string): string | null {
  if (!safePhone.test(phone)) return null
  return template.replaceAll('{number}', phone).replaceAll('{digits}', phone.replace(/^\+/, ''))
}

/** What a failed originate's `-ERR <CAUSE>` means for the campaign: retried (no answer, busy) or not. */
export function resultOfFailedOriginate(
  error: unknown,
): Extract<CallOutResult, { status: 'no_answer' | 'busy' | 'failed' }> {
  const cause = error instanceof EslCommandError ? error.reply.replace(/^-ERR\s*/, '').trim() : ''
  if (['NO_ANSWER', 'NO_USER_RESPONSE', 'ALLOTTED_TIMEOUT', 'RECOVERY_ON_TIMER_EXPIRE'].includes(cause))
    return { status: 'no_answer', detail: cause }
  if (['USER_BUSY', 'CALL_REJECTED'].includes(cause)) return { status: 'busy', detail: cause }
  return { status: 'failed', detail: cause || (error instanceof Error ? error.message : String(error)) }
}

export function createCallOutDialer(
  deps: FlowDeps,
  offers: OfferLedger,
  settings: CallOutSettings & { socket: { host: string; port: number } },
): CallOutDialer {
  const log = deps.logger.child({ part: 'callout' })
  const maxCalls = settings.maxCalls ?? 10
  const pollMs = settings.pollMs ?? 1000
  const socketWaitMs = settings.socketWaitMs ?? 15_000
  const prompts = { ...callOutPrompts, ...settings.prompts }
  const pending = new Map<string, Pending>()
  const running = new Set<Promise<void>>()
  let timer: NodeJS.Timeout | undefined
  let stopped = true
  let polling: Promise<unknown> | undefined

  // a socket host of 0.0.0.0 / :: is where the bridge listens, not where FreeSWITCH can connect
  const socketHost = ['0.0.0.0', '::', ''].includes(settings.socket.host) ? '127.0.0.1' : settings.socket.host
  const socketData = `${socketHost.includes(':') ? `[${socketHost}]` : socketHost}:${settings.socket.port} async full`

  async function report(contact: CallOutContact, result: CallOutResult): Promise<void> {
    try {
      await settings.queue.report(contact, result, deps.clock())
    } catch (error) {
      // the claim lapses and the contact is dialled again: better than a lost result going unnoticed
      log.error({ err: error, contact_id: contact.contactId }, 'reporting a call-out result failed')
    }
  }

  async function dial(contact: CallOutContact): Promise<void> {
    const destination = dialStringFor(settings.dialString, contact.phone)
    if (!destination || !contactVariables(contact).every((pair) => safeVariable.test(pair))) {
      await report(contact, { status: 'failed', detail: 'not a number that can be dialled' })
      return
    }
    let onStart: () => void = () => undefined
    const started = new Promise<void>((resolve) => {
      onStart = resolve
    })
    const entry: Pending = { contact, started: false, onStart, flow: undefined }
    pending.set(contact.contactId, entry)
    const variables = [
      ...(settings.callerId ? [`origination_caller_id_number=${settings.callerId}`] : []),
      `originate_timeout=${settings.ringSeconds}`,
      ...contactVariables(contact),
    ]
    const command = `originate {${variables.join(',')}}${destination} &socket('${socketData}')`
    try {
      try {
        await deps.control.bgapi(command, { timeoutMs: (settings.ringSeconds + 60) * 1000 })
      } catch (error) {
        if (entry.started) return await entry.flow
        const result = resultOfFailedOriginate(error)
        log.info(
          { contact_id: contact.contactId, result: result.status, cause: result.detail },
          'call-out not answered',
        )
        await report(contact, result)
        return
      }
      // answered: the leg's socket may have come before the job's answer, or comes now
      if (!entry.started) {
        let waited: NodeJS.Timeout | undefined
        const late = new Promise<'late'>((resolve) => {
          waited = setTimeout(() => resolve('late'), socketWaitMs)
        })
        const came = await Promise.race([started.then(() => 'came' as const), late])
        clearTimeout(waited)
        if (came === 'late' && !entry.started) {
          // with several workers sharing ESL_LISTEN another one may have taken the leg, and reports
          // it; if none did, the claim lapses and the campaign dials the contact again
          log.warn(
            { contact_id: contact.contactId },
            'an answered call-out did not reach this process’s listener',
          )
          return
        }
      }
      await entry.flow
    } finally {
      pending.delete(contact.contactId)
    }
  }

  async function tick(): Promise<number> {
    const free = maxCalls - running.size
    if (free <= 0 || !deps.control.connected) return 0
    const contacts = await settings.queue.claimDue(deps.bridgeId, free, deps.clock())
    for (const contact of contacts) {
      const work = dial(contact).catch((error: unknown) =>
        log.error({ err: error, contact_id: contact.contactId }, 'a call-out failed'),
      )
      running.add(work)
      void work.finally(() => running.delete(work))
    }
    return contacts.length
  }

  function schedule(): void {
    if (stopped) return
    timer = setTimeout(() => {
      polling = tick()
        .catch((error: unknown) => log.warn({ err: error }, 'claiming call-out contacts failed'))
        .finally(schedule)
    }, pollMs)
    timer.unref()
  }

  return {
    take(call) {
      const contactId = call.data.variable('tollgate_contact')
      if (contactId === undefined) return undefined
      const entry = pending.get(contactId)
      if (!entry) {
        // dialled by another process sharing ESL_LISTEN (TOLLGATE_WORKERS): the leg carries its contact
        const contact = contactOfLeg(call)
        if (!contact) return undefined
        return async () => {
          if (await stillClaimed(deps, contact))
            await runCallOut(deps, call, contact, { ...settings, offers, prompts }, report)
          else if (!call.isHungUp) await call.hangup().catch(() => undefined)
        }
      }
      if (entry.started) return undefined
      entry.started = true
      return () => {
        const flow = runCallOut(deps, call, entry.contact, { ...settings, offers, prompts }, report)
        entry.flow = flow
        entry.onStart()
        return flow
      }
    },
    tick,
    get active() {
      return running.size
    },
    start() {
      if (!stopped) return
      stopped = false
      schedule()
    },
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await polling
    },
    async drain(graceMs) {
      let grace: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled([...running]),
        new Promise((resolve) => {
          grace = setTimeout(resolve, graceMs)
        }),
      ])
      clearTimeout(grace)
    },
  }
}

/** The contact as channel variables of the originated leg, so whichever process the leg reaches can run it. */
function contactVariables(contact: CallOutContact): string[] {
  return [
    `tollgate_contact=${contact.contactId}`,
    `tollgate_tenant=${contact.tenantId}`,
    `tollgate_campaign=${contact.campaignId}`,
    `tollgate_customer=${contact.customerId}`,
    `tollgate_offer=${contact.offerId}`,
    `tollgate_phone=${contact.phone}`,
    `tollgate_attempt=${contact.attempt}`,
    `tollgate_claimed_until=${contact.claimedUntil.getTime()}`,
  ]
}

function contactOfLeg(call: CallChannel): CallOutContact | null {
  const read = (name: string) => call.data.variable(`tollgate_${name}`)
  const [contactId, tenantId, campaignId, customerId, offerId, phone] = [
    read('contact'),
    read('tenant'),
    read('campaign'),
    read('customer'),
    read('offer'),
    read('phone'),
  ]
  const attempt = Number(read('attempt'))
  const claimedUntil = new Date(Number(read('claimed_until')))
  if (!contactId || !tenantId || !campaignId || !customerId || !offerId || !phone) return null
  if (!Number.isInteger(attempt) || Number.isNaN(claimedUntil.getTime())) return null
  return { contactId, tenantId, campaignId, customerId, offerId, phone, attempt, claimedUntil }
}

/** A leg another process dialled is run only for a contact of that campaign, customer and number. */
async function stillClaimed(deps: FlowDeps, contact: CallOutContact): Promise<boolean> {
  const row = await deps.services.db
    .selectFrom('campaign_contacts')
    .select('id')
    .where('tenant_id', '=', contact.tenantId)
    .where('id', '=', contact.contactId)
    .where('campaign_id', '=', contact.campaignId)
    .where('customer_id', '=', contact.customerId)
    .where('phone', '=', contact.phone)
    .where('claimed_by', 'is not', null)
    .executeTakeFirst()
  return row !== undefined
}

/** An offer's catalog row and its phone treatment, as the call plays it. */
interface OfferToPlay {
  id: string
  sku: string
  name: string
  price: number
  currency: string
  treatment: TreatmentView | null
}

/** The answered call: fraud controls, the offer made and played, the key taken, the result reported. */
async function runCallOut(
  deps: FlowDeps,
  call: CallChannel,
  contact: CallOutContact,
  settings: CallOutSettings & { offers: OfferLedger; prompts: CallOutPrompts },
  report: (contact: CallOutContact, result: CallOutResult) => Promise<void>,
): Promise<void> {
  const { services } = deps
  const { tenantId } = contact
  const log = deps.logger.child({
    contact_id: contact.contactId,
    tenant_id: tenantId,
    channel_uuid: call.uuid,
  })
  const prompts = settings.prompts
  let decisionId: string | null = null
  let made: OfferMade | null = null
  let result: CallOutResult | null = null
  try {
    const offer = await offerToPlay(deps, tenantId, contact.offerId)
    if (!offer) {
      result = { status: 'blocked', decisionId, detail: 'the offer is no longer in the catalog' }
      await goodbye(call, prompts.goodbye)
      return
    }
    const method = await storedMethodOf(deps, tenantId, contact.customerId)
    const customer = await services.db
      .selectFrom('customers')
      .select('external_id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', contact.customerId)
      .executeTakeFirst()

    // the fraud controls: the offer's purchase decided like any phone purchase, the number dialled
    // standing as the ANI; the ledger holds the money, so the decision holds none
    const { decision } = await services.authorizations.authorize(
      {
        kind: 'purchase',
        channel: 'phone',
        amount: { value: offer.price, currency: offer.currency },
        customer: { phone: contact.phone, ...(customer?.external_id ? { id: customer.external_id } : {}) },
        network: { ani: contact.phone },
        // we dialled the number: it is the customer's, as if keyed and matching
        entered: { phone: contact.phone },
        ...(method ? { payment_method: { type: 'stored' as const, id: method } } : {}),
        items: [{ sku: offer.sku, quantity: 1, unit_amount: offer.price }],
      },
      {
        tenantId,
        channel: 'phone',
        idempotencyKey: `callout:${contact.contactId}:${contact.attempt}`,
        decisionOnly: true,
      },
    )
    decisionId = decision.id
    if (decision.outcome !== 'approve') {
      log.info(
        { decision_id: decision.id, outcome: decision.outcome },
        'call-out refused by the fraud controls',
      )
      result = { status: 'blocked', decisionId, detail: `the decision was ${decision.outcome}` }
      await goodbye(call, prompts.goodbye)
      return
    }

    const reserved = await settings.offers.reserve({
      tenantId,
      offerId: offer.id,
      customerId: contact.customerId,
      decisionId,
      campaignContactId: contact.contactId,
      channel: 'call_out',
      segment: offer.treatment?.segment ?? '*',
      treatmentId: offer.treatment?.id ?? null,
      paymentMethodId: method,
      priority: 1,
      propensity: 0,
      why: {
        rule: `campaign:${contact.campaignId}`,
        weight: 1,
        propensity: 0,
        value: offer.price,
        priority: 1,
        segment: offer.treatment?.segment ?? '*',
        presentation_rules: [],
        message: `The campaign ${contact.campaignId} calls this customer with ${offer.name}.`,
      },
      now: deps.clock(),
    })
    if (!reserved.made) {
      log.info({ reason: reserved.reason }, 'call-out offer could not be made')
      result = { status: 'blocked', decisionId, detail: reserved.reason }
      await goodbye(call, prompts.goodbye)
      return
    }
    made = reserved.offer

    const { digits } = await call.playAndGetDigits({
      min: 1,
      max: 1,
      tries: 2,
      timeoutMs: settings.keyTimeoutMs ?? 7000,
      terminators: 'none',
      file: offer.treatment?.prompt ?? prompts.offer,
      invalidFile: prompts.invalid,
      variable: 'tollgate_offer_choice',
      regexp: '^[129]$',
    })
    if (call.isHungUp) {
      result = { status: 'hung_up', presentationId: made.id, decisionId }
      return
    }
    if (digits === '1') {
      const order = await settings.offers.accept(tenantId, made.id, {
        channel: 'call_out',
        now: deps.clock(),
      })
      made = null
      result = { status: 'accepted', presentationId: order.presentation_id, orderId: order.id, decisionId }
      log.info({ order_id: order.id }, 'call-out offer accepted')
      await goodbye(call, prompts.accepted)
      return
    }
    if (digits === '9') {
      await services.db
        .insertInto('do_not_call')
        .values({ tenant_id: tenantId, phone: contact.phone, source: 'call_out_key', added_at: deps.clock() })
        .onConflict((oc) => oc.columns(['tenant_id', 'phone']).doNothing())
        .execute()
      result = { status: 'do_not_call' }
      await goodbye(call, prompts.do_not_call)
      return
    }
    result = { status: 'declined', presentationId: made.id, decisionId }
    await goodbye(call, prompts.declined)
  } catch (error) {
    if (call.isHungUp) result ??= { status: 'hung_up', presentationId: made?.id ?? null, decisionId }
    else {
      log.error({ err: error }, 'the call-out flow failed')
      result ??= { status: 'failed', detail: 'bridge_error' }
    }
  } finally {
    // an offer made and not accepted releases its stock and hold now, not at its expiry
    if (made)
      await settings.offers
        .decline(tenantId, made.id, { channel: 'call_out', now: deps.clock() })
        .catch((error: unknown) => log.error({ err: error }, 'declining the call-out offer failed'))
    if (!call.isHungUp) await call.hangup().catch(() => undefined)
    await report(contact, result ?? { status: 'failed', detail: 'bridge_error' })
  }
}

async function goodbye(call: CallChannel, file: string): Promise<void> {
  await call.execute('playback', file)
}

async function offerToPlay(deps: FlowDeps, tenantId: string, offerId: string): Promise<OfferToPlay | null> {
  const row = await deps.services.db
    .selectFrom('offers')
    .select(['id', 'sku', 'name', 'price', 'currency'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', offerId)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (!row) return null
  // the phone treatment for every segment: a call-out knows no demographics before the call
  const treatment = await deps.services.db
    .selectFrom('offer_treatments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('offer_id', '=', offerId)
    .where('channel', '=', 'phone')
    .orderBy(({ eb }) => eb.case().when('segment', '=', '*').then(0).else(1).end())
    .orderBy('created_at')
    .executeTakeFirst()
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    price: Number(row.price),
    currency: row.currency,
    treatment: treatment
      ? {
          id: treatment.id,
          name: treatment.name,
          channel: 'phone',
          segment: treatment.segment,
          style: treatment.style as TreatmentView['style'],
          pace: treatment.pace as TreatmentView['pace'],
          language: treatment.language,
          prompt: treatment.prompt,
          script: treatment.script,
          text: treatment.text,
          image_url: treatment.image_url,
        }
      : null,
  }
}

/** The customer's most recently used method that can be charged again (a gateway token), or null. */
async function storedMethodOf(deps: FlowDeps, tenantId: string, customerId: string): Promise<string | null> {
  const row = await deps.services.db
    .selectFrom('payment_methods')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('customer_id', '=', customerId)
    .where('gateway_token', 'is not', null)
    .orderBy('last_used_at', 'desc')
    .orderBy('id')
    .executeTakeFirst()
  return row?.id ?? null
}
