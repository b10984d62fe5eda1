// The sandbox money gateway: the demo's default MoneyGateway, behaving like a real one so the rest
// of Tollgate cannot tell the difference. Its books are its own tables (sandbox_gateway_*), so
// holds survive a server restart; each idempotency key gets one answer, kept, and a retry with the
// same key is given it again with no second movement. Outcomes are chosen by Stripe's test card
// numbers; holds lapse after a week unless captured. `account` plays a gateway account: one per
// tenant, so two tenants' keys never meet.
//
// Test cards (any other number succeeds):
//   4242424242424242  success
//   4000000000000002  generic_decline        4000000000009995  insufficient_funds
//   4000000000000127  incorrect_cvc          4000000000000036  incorrect_zip (postal code)
//   4000000000000069  expired_card           4000000000000119  processing_error
//   4000000000009979  no answer: the hold or charge IS recorded, then the answer never comes
//                     (GatewayUnavailable after noAnswerDelayMs); the same key later gets it.
// Bank accounts (checking / EFT) are charged directly, never held; an account number ending 0002
// has insufficient funds. A token remembers its card's behaviour.
import { createHash } from 'node:crypto'
import type { Transaction } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import type { Database } from '../../db/schema.ts'
import { randomToken } from '../ids.ts'
import {
  type DeclineCode,
  type GatewayAnswer,
  GatewayUnavailable,
  type MoneyGateway,
  type PaymentSource,
} from './port.ts'

type Behaviour =
  | 'success'
  | 'no_answer'
  | Exclude<DeclineCode, 'authorization_expired' | 'amount_too_large' | 'not_supported'>

export const sandboxTestCards: Record<string, Behaviour> = {
  '4242424242424242': 'success',
  '4000000000000002': 'generic_decline',
  '4000000000009995': 'insufficient_funds',
  '4000000000000127': 'incorrect_cvc',
  '4000000000000036': 'incorrect_zip',
  '4000000000000069': 'expired_card',
  '4000000000000119': 'processing_error',
  '4000000000009979': 'no_answer',
}

const declineMessages: Record<DeclineCode, string> = {
  generic_decline: 'The card was declined.',
  insufficient_funds: 'The card has insufficient funds.',
  incorrect_cvc: "The card's security code is incorrect.",
  incorrect_zip: "The card's postal code does not match.",
  expired_card: 'The card has expired.',
  processing_error: 'An error occurred while processing the card.',
  authorization_expired: 'The hold has lapsed and can no longer be captured.',
  amount_too_large: 'The amount is more than the payment allows.',
  not_supported: 'The payment cannot do that in its present state.',
}

export const SANDBOX_HOLD_LIFETIME_MS = 7 * 24 * 3600 * 1000

export interface SandboxGatewayOptions {
  db: Db
  /** the gateway account: Tollgate uses the tenant's id */
  account: string
  /** the gateway's clock, so tests can let holds lapse */
  now?: () => Date
  /** how long an uncaptured hold lasts */
  holdLifetimeMs?: number
  /** how long the no-answer card keeps the caller waiting before the call gives up */
  noAnswerDelayMs?: number
}

/** The sandbox gateway also answers "what became of this key?", as a reconciler needs. */
export interface SandboxMoneyGateway extends MoneyGateway {
  find(call: { idempotencyKey: string }): Promise<GatewayAnswer | null>
}

/** A key reused for a different request: a bug in the caller, never a movement. */
export class IdempotencyMismatch extends Error {
  override name = 'IdempotencyMismatch'
}

interface StoredAnswer {
  status: 'succeeded' | 'declined'
  code?: DeclineCode
  message?: string
  reference?: string
  amount_authorized?: number
  amount_captured?: number
  amount_refunded?: number
  expires_at?: string | null
  token?: string
}

function revive(stored: StoredAnswer): GatewayAnswer {
  if (stored.status === 'declined')
    return {
      status: 'declined',
      code: stored.code ?? 'generic_decline',
      message: stored.message ?? '',
      ...(stored.reference ? { reference: stored.reference } : {}),
    }
  return {
    status: 'succeeded',
    reference: stored.reference ?? '',
    amount_authorized: stored.amount_authorized ?? 0,
    amount_captured: stored.amount_captured ?? 0,
    amount_refunded: stored.amount_refunded ?? 0,
    expires_at: stored.expires_at ? new Date(stored.expires_at) : null,
    ...(stored.token ? { token: stored.token } : {}),
  }
}

function store(answer: GatewayAnswer): StoredAnswer {
  if (answer.status === 'declined') return { ...answer }
  return { ...answer, expires_at: answer.expires_at?.toISOString() ?? null }
}

function declined(code: DeclineCode, reference?: string): GatewayAnswer {
  return { status: 'declined', code, message: declineMessages[code], ...(reference ? { reference } : {}) }
}

// The fingerprint tells a retry from a different request under the same key. It never includes the
// card number (a low-entropy number's hash is as good as the number): its last four and behaviour do.
function fingerprint(parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('base64url')
}

function sourceParts(source: PaymentSource): string[] {
  switch (source.type) {
    case 'card':
      return ['card', source.card.number.slice(-4), cardBehaviour(source.card.number)]
    case 'token':
      return ['token', source.token]
    case 'bank_account':
      return ['bank_account', source.routing_number, source.account_number.slice(-4)]
  }
}

function cardBehaviour(number: string): Behaviour {
  return sandboxTestCards[number.replace(/\D/g, '')] ?? 'success'
}

type Trx = Transaction<Database>

export function createSandboxMoneyGateway(options: SandboxGatewayOptions): SandboxMoneyGateway {
  const { db, account } = options
  const now = options.now ?? (() => new Date())
  const holdLifetimeMs = options.holdLifetimeMs ?? SANDBOX_HOLD_LIFETIME_MS
  const noAnswerDelayMs = options.noAnswerDelayMs ?? 2000

  /** Runs act once per key; a retry gets the kept answer. Returns whether this call made it. */
  async function once(
    key: string,
    operation: string,
    print: string,
    act: (trx: Trx) => Promise<{ answer: GatewayAnswer; behaviour?: Behaviour }>,
  ): Promise<{ answer: GatewayAnswer; behaviour?: Behaviour; replay: boolean }> {
    return db.transaction().execute(async (trx) => {
      // A concurrent request with the same key waits here until the first commits, then replays.
      const claimed = await trx
        .insertInto('sandbox_gateway_requests')
        .values({ account, idempotency_key: key, operation, fingerprint: print, answer: null })
        .onConflict((oc) => oc.columns(['account', 'idempotency_key']).doNothing())
        .returning('idempotency_key')
        .executeTakeFirst()
      if (!claimed) {
        const kept = await trx
          .selectFrom('sandbox_gateway_requests')
          .select(['operation', 'fingerprint', 'answer'])
          .where('account', '=', account)
          .where('idempotency_key', '=', key)
          .executeTakeFirstOrThrow()
        if (kept.operation !== operation || kept.fingerprint !== print)
          throw new IdempotencyMismatch(`idempotency key ${key} was used for a different request`)
        return { answer: revive(kept.answer as StoredAnswer), replay: true }
      }
      const result = await act(trx)
      await trx
        .updateTable('sandbox_gateway_requests')
        .set({ answer: jsonb(store(result.answer)) })
        .where('account', '=', account)
        .where('idempotency_key', '=', key)
        .execute()
      return { ...result, replay: false }
    })
  }

  async function lockPayment(trx: Trx, reference: string) {
    const row = await trx
      .selectFrom('sandbox_gateway_payments')
      .selectAll()
      .where('account', '=', account)
      .where('reference', '=', reference)
      .forUpdate()
      .executeTakeFirst()
    if (!row) return undefined
    return {
      ...row,
      amount_authorized: Number(row.amount_authorized),
      amount_captured: Number(row.amount_captured),
      amount_refunded: Number(row.amount_refunded),
    }
  }

  async function update(
    trx: Trx,
    reference: string,
    change: {
      status?: string
      amount_authorized?: number
      amount_captured?: number
      amount_refunded?: number
    },
  ): Promise<GatewayAnswer> {
    const row = await trx
      .updateTable('sandbox_gateway_payments')
      .set({ ...change, updated_at: now() })
      .where('account', '=', account)
      .where('reference', '=', reference)
      .returningAll()
      .executeTakeFirstOrThrow()
    return answerFor(row)
  }

  function answerFor(row: {
    reference: string
    status: string
    amount_authorized: unknown
    amount_captured: unknown
    amount_refunded: unknown
    expires_at: Date | null
  }): GatewayAnswer {
    return {
      status: 'succeeded',
      reference: row.reference,
      amount_authorized: Number(row.amount_authorized),
      amount_captured: Number(row.amount_captured),
      amount_refunded: Number(row.amount_refunded),
      expires_at: row.status === 'requires_capture' ? row.expires_at : null,
    }
  }

  async function behaviourOf(trx: Trx, source: PaymentSource): Promise<Behaviour | 'unknown_token'> {
    switch (source.type) {
      case 'card':
        return cardBehaviour(source.card.number)
      case 'bank_account':
        return source.account_number.endsWith('0002') ? 'insufficient_funds' : 'success'
      case 'token': {
        const row = await trx
          .selectFrom('sandbox_gateway_tokens')
          .select('behaviour')
          .where('account', '=', account)
          .where('token', '=', source.token)
          .executeTakeFirst()
        return row ? (row.behaviour as Behaviour) : 'unknown_token'
      }
    }
  }

  async function open(
    trx: Trx,
    call: { amount: number; currency: string; source: PaymentSource },
    capture: boolean,
  ): Promise<{ answer: GatewayAnswer; behaviour?: Behaviour }> {
    const behaviour = await behaviourOf(trx, call.source)
    if (behaviour === 'unknown_token') return { answer: declined('generic_decline') }
    if (!capture && call.source.type === 'bank_account') return { answer: declined('not_supported') }
    if (behaviour !== 'success' && behaviour !== 'no_answer') return { answer: declined(behaviour) }
    if (!Number.isSafeInteger(call.amount) || call.amount <= 0)
      return { answer: declined('amount_too_large') }
    const at = now()
    const reference = `pi_sandbox_${randomToken(20)}`
    const row = await trx
      .insertInto('sandbox_gateway_payments')
      .values({
        account,
        reference,
        status: capture ? 'succeeded' : 'requires_capture',
        currency: call.currency,
        amount_authorized: call.amount,
        amount_captured: capture ? call.amount : 0,
        behaviour,
        expires_at: capture ? null : new Date(at.getTime() + holdLifetimeMs),
        created_at: at,
        updated_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    const answer = answerFor(row)
    if (call.source.type === 'card' && answer.status === 'succeeded') {
      answer.token = `tok_sandbox_${randomToken(24)}`
      await trx
        .insertInto('sandbox_gateway_tokens')
        .values({ account, token: answer.token, behaviour, last4: call.source.card.number.slice(-4) })
        .execute()
    }
    return { answer, behaviour }
  }

  async function noAnswer(): Promise<never> {
    await new Promise((resolve) => setTimeout(resolve, noAnswerDelayMs))
    throw new GatewayUnavailable(`the sandbox gateway gave no answer within ${noAnswerDelayMs} ms`)
  }

  const lapsed = (row: { status: string; expires_at: Date | null }) =>
    row.status === 'requires_capture' &&
    row.expires_at !== null &&
    row.expires_at.getTime() <= now().getTime()

  return {
    name: 'sandbox',
    incrementalAuthorization: true,

    async authorize(call) {
      const print = fingerprint(['authorize', call.amount, call.currency, ...sourceParts(call.source)])
      const result = await once(call.idempotencyKey, 'authorize', print, (trx) => open(trx, call, false))
      if (!result.replay && result.behaviour === 'no_answer') return noAnswer()
      return result.answer
    },

    async charge(call) {
      const print = fingerprint(['charge', call.amount, call.currency, ...sourceParts(call.source)])
      const result = await once(call.idempotencyKey, 'charge', print, (trx) => open(trx, call, true))
      if (!result.replay && result.behaviour === 'no_answer') return noAnswer()
      return result.answer
    },

    async capture(call) {
      const print = fingerprint(['capture', call.reference, call.amount])
      const result = await once(call.idempotencyKey, 'capture', print, async (trx) => {
        const row = await lockPayment(trx, call.reference)
        if (row?.status !== 'requires_capture') return { answer: declined('not_supported', call.reference) }
        if (lapsed(row)) return { answer: declined('authorization_expired', call.reference) }
        if (!Number.isSafeInteger(call.amount) || call.amount <= 0 || call.amount > row.amount_authorized)
          return { answer: declined('amount_too_large', call.reference) }
        return {
          answer: await update(trx, call.reference, { status: 'succeeded', amount_captured: call.amount }),
        }
      })
      return result.answer
    },

    async void(call) {
      const print = fingerprint(['void', call.reference])
      const result = await once(call.idempotencyKey, 'void', print, async (trx) => {
        const row = await lockPayment(trx, call.reference)
        if (row?.status !== 'requires_capture') return { answer: declined('not_supported', call.reference) }
        return { answer: await update(trx, call.reference, { status: 'canceled' }) }
      })
      return result.answer
    },

    async refund(call) {
      const print = fingerprint(['refund', call.reference, call.amount])
      const result = await once(call.idempotencyKey, 'refund', print, async (trx) => {
        const row = await lockPayment(trx, call.reference)
        if (row?.status !== 'succeeded') return { answer: declined('not_supported', call.reference) }
        const refundable = row.amount_captured - row.amount_refunded
        if (!Number.isSafeInteger(call.amount) || call.amount <= 0 || call.amount > refundable)
          return { answer: declined('amount_too_large', call.reference) }
        return {
          answer: await update(trx, call.reference, { amount_refunded: row.amount_refunded + call.amount }),
        }
      })
      return result.answer
    },

    async increment(call) {
      const print = fingerprint(['increment', call.reference, call.amount])
      const result = await once(call.idempotencyKey, 'increment', print, async (trx) => {
        const row = await lockPayment(trx, call.reference)
        if (row?.status !== 'requires_capture') return { answer: declined('not_supported', call.reference) }
        if (lapsed(row)) return { answer: declined('authorization_expired', call.reference) }
        if (!Number.isSafeInteger(call.amount) || call.amount < row.amount_authorized)
          return { answer: declined('amount_too_large', call.reference) }
        return { answer: await update(trx, call.reference, { amount_authorized: call.amount }) }
      })
      return result.answer
    },

    // The same hold as authorize() makes for a card that succeeds, as rows for the caller's
    // transaction; anything else (a decline, the no-answer card, a token to look up) goes the usual way.
    holdInRecord(call) {
      if (call.source.type !== 'card') return null
      const behaviour = cardBehaviour(call.source.card.number)
      if (behaviour !== 'success' || !Number.isSafeInteger(call.amount) || call.amount <= 0) return null
      const at = now()
      const expiresAt = new Date(at.getTime() + holdLifetimeMs)
      const answer = {
        status: 'succeeded' as const,
        reference: `pi_sandbox_${randomToken(20)}`,
        amount_authorized: call.amount,
        amount_captured: 0,
        amount_refunded: 0,
        expires_at: expiresAt,
        token: `tok_sandbox_${randomToken(24)}`,
      }
      const print = fingerprint(['authorize', call.amount, call.currency, ...sourceParts(call.source)])
      return {
        answer,
        rows: {
          request: {
            account,
            idempotency_key: call.idempotencyKey,
            operation: 'authorize',
            fingerprint: print,
            answer: store(answer),
            created_at: at,
          },
          payment: {
            account,
            reference: answer.reference,
            status: 'requires_capture',
            currency: call.currency,
            amount_authorized: call.amount,
            amount_captured: 0,
            amount_refunded: 0,
            behaviour,
            expires_at: expiresAt,
            created_at: at,
            updated_at: at,
          },
          token: {
            account,
            token: answer.token,
            behaviour,
            last4: call.source.card.number.slice(-4),
            created_at: at,
          },
        },
      }
    },

    async find(call) {
      const kept = await db
        .selectFrom('sandbox_gateway_requests')
        .select('answer')
        .where('account', '=', account)
        .where('idempotency_key', '=', call.idempotencyKey)
        .executeTakeFirst()
      return kept?.answer ? revive(kept.answer as StoredAnswer) : null
    },
  }
}
