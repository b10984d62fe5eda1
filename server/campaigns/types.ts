// What the telephony bridge asks of call-out campaigns (step 8): the contacts due to be dialled now
// (within their calling windows, under the campaign's pacing, past suppression), claimed so no two
// bridges dial one customer, and what each call came to. The campaigns service (server/campaigns/)
// chooses and paces; the bridge (telephony/callout.ts) originates, plays the offer and takes the key.
// server/ never imports telephony/: the bridge polls claimDue() and reports().

/** A contact a bridge has claimed and must dial now. */
export interface CallOutContact {
  tenantId: string
  campaignId: string
  contactId: string
  customerId: string
  /** E.164 */
  phone: string
  offerId: string
  /** the attempt this is, from 1 */
  attempt: number
  /** the claim lapses then: a bridge that died leaves the contact to be dialled again */
  claimedUntil: Date
}

export type CallOutResult =
  | { status: 'no_answer' | 'busy' | 'failed'; detail?: string }
  /** answered: the offer was played; accepted/declined by key, or hung up before choosing */
  | { status: 'accepted'; presentationId: string; orderId: string; decisionId: string | null }
  | { status: 'declined'; presentationId: string | null; decisionId: string | null }
  | { status: 'hung_up'; presentationId: string | null; decisionId: string | null }
  /** the fraud controls refused (block, temporary_block, review, limit), or the offer could not be made */
  | { status: 'blocked'; decisionId: string | null; detail: string }
  /** the customer asked by key not to be called again: added to do_not_call */
  | { status: 'do_not_call' }

export interface CallOutQueue {
  /** contacts due now across running phone campaigns, at most `limit`, claimed for `bridgeId` */
  claimDue(bridgeId: string, limit: number, now?: Date): Promise<CallOutContact[]>
  /** what the call came to: schedules a retry, or closes the contact with its result */
  report(contact: CallOutContact, result: CallOutResult, now?: Date): Promise<void>
}
