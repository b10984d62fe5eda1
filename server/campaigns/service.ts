// The campaigns service (services.campaigns): the CallOutQueue the bridges' dialers poll, and the
// e-mail sender that start() runs — each pass claims the e-mail contacts due under the same pacing
// and windows as calls, makes each one's offer through the offers' ledger (its stock reserved and
// its price held before the mail goes), sends the mail over SMTP and records the result.
import type { Transporter } from 'nodemailer'
import nodemailer from 'nodemailer'
import type { Db } from '../../db/connect.ts'
import { formatMinorUnits } from '../billing/currency.ts'
import type { Logger } from '../logging.ts'
import type { OfferLedger } from '../offers/types.ts'
import type { CampaignChannel, EmailTemplate } from './campaigns.ts'
import { type ClaimedContact, type ContactResult, claimDue, reportResult } from './queue.ts'
import { renderTemplate } from './template.ts'
import type { CallOutContact, CallOutQueue, CallOutResult } from './types.ts'

export interface CampaignsDeps {
  db: Db
  logger: Logger
  /** the offers' ledger: an e-mail's offer is reserved through it (services.offers) */
  offers?: OfferLedger | undefined
  /** the deployer's SMTP server (SMTP_URL); e-mail campaigns cannot start without one */
  smtpUrl?: string | undefined
  /** the clock claims and results are read on; tests pass one they move */
  clock?: () => Date
  /** how long a claim holds before another claimer may take the contact (default 300 s) */
  claimLapseSeconds?: number
  /** how often the e-mail sender runs a pass (default 2000 ms) */
  sendIntervalMs?: number
}

const SEND_BATCH = 20

export class Campaigns implements CallOutQueue {
  readonly clock: () => Date
  private readonly transport: Transporter | null
  private timer: NodeJS.Timeout | null = null
  private running: Promise<unknown> | null = null

  constructor(private readonly deps: CampaignsDeps) {
    this.clock = deps.clock ?? (() => new Date())
    this.transport = deps.smtpUrl ? nodemailer.createTransport(deps.smtpUrl) : null
  }

  private get lapseSeconds(): number {
    return this.deps.claimLapseSeconds ?? 300
  }

  /** Why a campaign on the channel cannot start here, or null when it can. */
  cannotSend(channel: CampaignChannel): string | null {
    if (channel !== 'email') return null
    if (!this.transport)
      return 'E-mail campaigns need an SMTP server: the deployer sets SMTP_URL (see the README).'
    if (!this.deps.offers) return 'E-mail campaigns need the offers ledger, which this server does not run.'
    return null
  }

  async claimDue(bridgeId: string, limit: number, now: Date = this.clock()): Promise<CallOutContact[]> {
    const claimed = await claimDue(this.deps.db, {
      channel: 'phone',
      claimer: bridgeId,
      limit,
      now,
      lapseSeconds: this.lapseSeconds,
    })
    return claimed.map(({ email: _e, name: _n, ...contact }) => contact)
  }

  async report(contact: CallOutContact, result: CallOutResult, now: Date = this.clock()): Promise<void> {
    await reportResult(this.deps.db, contact, result, now)
  }

  start(): void {
    if (this.timer || !this.transport) return
    this.timer = setInterval(() => {
      if (!this.running)
        this.running = this.sendDue()
          .catch((error: unknown) => this.deps.logger.error({ err: error }, 'campaign e-mail pass failed'))
          .finally(() => {
            this.running = null
          })
    }, this.deps.sendIntervalMs ?? 2000)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
    this.transport?.close()
  }

  /** One pass of the e-mail sender; returns how many contacts it claimed. */
  async sendDue(now: Date = this.clock()): Promise<number> {
    if (!this.transport) return 0
    const claimed = await claimDue(this.deps.db, {
      channel: 'email',
      claimer: `mailer:${process.pid}`,
      limit: SEND_BATCH,
      now,
      lapseSeconds: this.lapseSeconds,
    })
    for (const contact of claimed) {
      const result = await this.email(contact, now).catch((error: unknown): ContactResult => {
        this.deps.logger.warn({ err: error, contact_id: contact.contactId }, 'campaign e-mail not sent')
        return { status: 'failed', detail: error instanceof Error ? error.message : String(error) }
      })
      await reportResult(this.deps.db, contact, result, now)
    }
    return claimed.length
  }

  /** Makes the contact's offer, then mails it; an offer the mail never carried is declined at once. */
  private async email(contact: ClaimedContact, now: Date): Promise<ContactResult> {
    const { db } = this.deps
    const ledger = this.deps.offers
    if (!ledger || !this.transport) return { status: 'failed', detail: 'e-mail is not configured' }
    const campaign = await db
      .selectFrom('campaigns')
      .select('email')
      .where('tenant_id', '=', contact.tenantId)
      .where('id', '=', contact.campaignId)
      .executeTakeFirstOrThrow()
    const template = campaign.email as EmailTemplate
    const offer = await db
      .selectFrom('offers')
      .select(['id', 'name', 'description', 'price', 'value', 'status'])
      .where('tenant_id', '=', contact.tenantId)
      .where('id', '=', contact.offerId)
      .executeTakeFirst()
    if (offer?.status !== 'active')
      return { status: 'offer_not_made', detail: 'not_in_catalog: the offer is no longer active' }
    const method = await db
      .selectFrom('payment_methods')
      .select('id')
      .where('tenant_id', '=', contact.tenantId)
      .where('customer_id', '=', contact.customerId)
      .where('gateway_token', 'is not', null)
      .orderBy('last_used_at', 'desc')
      .executeTakeFirst()
    const treatment = await db
      .selectFrom('offer_treatments')
      .select('id')
      .where('tenant_id', '=', contact.tenantId)
      .where('offer_id', '=', offer.id)
      .where('channel', '=', 'web')
      .where('segment', '=', '*')
      .orderBy('created_at')
      .executeTakeFirst()
    const value = Number(offer.value ?? offer.price)
    const reserved = await ledger.reserve({
      tenantId: contact.tenantId,
      offerId: offer.id,
      customerId: contact.customerId,
      campaignContactId: contact.contactId,
      channel: 'email',
      segment: '*',
      treatmentId: treatment?.id ?? null,
      paymentMethodId: method?.id ?? null,
      priority: value,
      propensity: 1,
      why: {
        rule: `campaign:${contact.campaignId}`,
        weight: 1,
        propensity: 1,
        value,
        priority: value,
        segment: '*',
        presentation_rules: [],
        message: `Chosen by the e-mail campaign ${contact.campaignId}, whose audience the customer is in.`,
      },
      now,
    })
    if (!reserved.made) return { status: 'offer_not_made', detail: `${reserved.reason}: ${reserved.message}` }
    const made = reserved.offer
    const values = {
      name: contact.name ?? 'customer',
      offer_name: made.name,
      offer_description: made.description,
      price: formatMinorUnits(made.amount, made.currency),
      accept_url: template.accept_url.replaceAll('{presentation_id}', encodeURIComponent(made.id)),
    }
    try {
      await this.transport.sendMail({
        from: template.from,
        to: contact.email ?? '',
        subject: renderTemplate(template.subject, values),
        text: renderTemplate(template.body, values),
        headers: { 'X-Tollgate-Offer': made.id },
      })
    } catch (error) {
      // the customer never saw it: release its stock and hold now rather than at expiry
      await ledger
        .decline(contact.tenantId, made.id, { channel: 'email', now })
        .catch((e: unknown) => this.deps.logger.warn({ err: e, offer: made.id }, 'unsent offer not declined'))
      throw error
    }
    return { status: 'emailed', presentationId: made.id }
  }
}
