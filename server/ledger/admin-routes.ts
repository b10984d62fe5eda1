// /admin/v1/ledger: staff read the append-only ledger's entries (filtered by account, currency,
// kind, payment, session, representative or time) and its balance check — balanced, or which
// transactions are off. Read-only: nothing here writes an entry.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import { type Selectable, type SqlBool, sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { LedgerEntriesTable } from '../../db/schema.ts'
import { type AdminEnv, adminProblems, adminRoute, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { validationProblem } from '../http/problem.ts'
import { accountBalances, checkLedger } from './check.ts'

type EntryRow = Selectable<LedgerEntriesTable>

export const ledgerEntrySchema = z
  .object({
    id: z.string().openapi({ description: 'increases with each entry written' }),
    transaction_id: z
      .string()
      .openapi({ description: 'the entries written together, whose debits equal credits' }),
    at: z.string(),
    account: z.string(),
    currency: z.string(),
    debit: z.number().int().openapi({ description: 'minor units; 0 on a credit entry' }),
    credit: z.number().int().openapi({ description: 'minor units; 0 on a debit entry' }),
    kind: z
      .string()
      .openapi({ description: 'hold, capture, release, reversal, refund, charge, pay_accrual …' }),
    payment_id: z.string().nullable(),
    session_id: z.string().nullable(),
    representative_id: z.string().nullable(),
    memo: z.string(),
  })
  .openapi('LedgerEntry')

export type LedgerEntryBody = z.infer<typeof ledgerEntrySchema>

export function ledgerEntryBody(row: EntryRow): LedgerEntryBody {
  return {
    id: String(row.id),
    transaction_id: row.transaction_id,
    at: new Date(row.at).toISOString(),
    account: row.account,
    currency: row.currency,
    debit: Number(row.debit),
    credit: Number(row.credit),
    kind: row.kind,
    payment_id: row.payment_id,
    session_id: row.session_id,
    representative_id: row.representative_id,
    memo: row.memo,
  }
}

const ledgerCheckSchema = z
  .object({
    balanced: z.boolean().openapi({ description: 'true when every transaction balances in every currency' }),
    currencies: z.array(
      z.object({
        currency: z.string(),
        debits: z.number().int(),
        credits: z.number().int(),
        difference: z.number().int().openapi({ description: 'debits − credits; 0 when balanced' }),
        transactions: z.number().int(),
        entries: z.number().int(),
      }),
    ),
    unbalanced_transactions: z
      .array(
        z.object({
          transaction_id: z.string(),
          currency: z.string(),
          debits: z.number().int(),
          credits: z.number().int(),
          difference: z.number().int(),
          entries: z.number().int(),
          at: z.string(),
        }),
      )
      .openapi({ description: 'the transactions that do not balance, oldest first (at most 100)' }),
    unbalanced_count: z.number().int(),
    accounts: z
      .array(
        z.object({
          account: z.string(),
          currency: z.string(),
          debits: z.number().int(),
          credits: z.number().int(),
          balance: z.number().int().openapi({ description: 'debits − credits' }),
        }),
      )
      .openapi({ description: 'each account’s balance, derived from its entries' }),
    checked_at: z.string(),
  })
  .openapi('LedgerCheck')

const listEntries = adminRoute('viewer', {
  method: 'get',
  path: '/ledger/entries',
  tags: ['Ledger'],
  summary: 'Ledger entries, newest first',
  request: {
    query: z.object({
      account: z.string().max(100).optional(),
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/, 'a three-letter currency code such as USD')
        .optional(),
      kind: z.string().max(40).optional(),
      transaction_id: z.string().max(64).optional(),
      payment_id: z.string().max(64).optional(),
      session_id: z.string().max(64).optional(),
      representative_id: z.string().max(64).optional(),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      cursor: z.string().max(40).optional().openapi({ description: 'next_cursor from the previous page' }),
    }),
  },
  responses: {
    200: {
      description: 'A page of entries',
      content: {
        'application/json': {
          schema: z.object({ entries: z.array(ledgerEntrySchema), next_cursor: z.string().nullable() }),
        },
      },
    },
    ...adminProblems,
    ...unprocessable,
  },
})

const readCheck = adminRoute('viewer', {
  method: 'get',
  path: '/ledger/check',
  tags: ['Ledger'],
  summary: 'The balance check: per currency debits equal credits, and every transaction balances',
  responses: {
    200: { description: 'The check', content: { 'application/json': { schema: ledgerCheckSchema } } },
    ...adminProblems,
  },
})

export function ledgerAdminRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(listEntries, async (c) => {
    const q = c.req.valid('query')
    const tenantId = c.get('staff').tenantId
    if (q.cursor !== undefined && !/^\d{1,19}$/.test(q.cursor))
      throw validationProblem(['cursor'], 'is not a cursor from a previous page')
    if (q.from && q.to && new Date(q.from) >= new Date(q.to))
      throw validationProblem(['from'], 'must be before to')
    const rows = await db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .$if(q.account !== undefined, (b) => b.where('account', '=', q.account as string))
      .$if(q.currency !== undefined, (b) => b.where('currency', '=', q.currency as string))
      .$if(q.kind !== undefined, (b) => b.where('kind', '=', q.kind as string))
      .$if(q.transaction_id !== undefined, (b) => b.where('transaction_id', '=', q.transaction_id as string))
      .$if(q.payment_id !== undefined, (b) => b.where('payment_id', '=', q.payment_id as string))
      .$if(q.session_id !== undefined, (b) => b.where('session_id', '=', q.session_id as string))
      .$if(q.representative_id !== undefined, (b) =>
        b.where('representative_id', '=', q.representative_id as string),
      )
      .$if(q.from !== undefined, (b) => b.where('at', '>=', new Date(q.from as string)))
      .$if(q.to !== undefined, (b) => b.where('at', '<', new Date(q.to as string)))
      .$if(q.cursor !== undefined, (b) => b.where(sql<SqlBool>`id < ${q.cursor}::int8`))
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute()
    const page = rows.slice(0, q.limit)
    const last = page[page.length - 1]
    return c.json(
      {
        entries: page.map(ledgerEntryBody),
        next_cursor: rows.length > q.limit && last ? String(last.id) : null,
      },
      200,
    )
  })

  app.openapi(readCheck, async (c) => {
    const tenantId = c.get('staff').tenantId
    const [check, accounts] = await Promise.all([checkLedger(db, tenantId), accountBalances(db, tenantId)])
    return c.json(
      {
        ...check,
        unbalanced_transactions: check.unbalanced_transactions.map((t) => ({
          ...t,
          at: t.at.toISOString(),
        })),
        accounts,
        checked_at: check.checked_at.toISOString(),
      },
      200,
    )
  })

  return app
}
