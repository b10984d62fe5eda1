// Backtest jobs as rows: creating, reading, listing and cancelling them, and the report shape the
// console reads. The replay itself is the runner's (runner.ts).
import type { Selectable } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { BacktestsTable } from '../../db/schema.ts'
import type { Outcome } from '../../rules/schema.ts'
import { validateDefinition } from '../../rules/validate.ts'
import { type Actor, recordAudit } from '../audit/audit.ts'
import { ProblemError } from '../http/problem.ts'
import { newId } from '../ids.ts'

export type BacktestRow = Selectable<BacktestsTable>
/** old outcome → new outcome → count */
export type OutcomeMatrix = Record<string, Record<string, number>>
/** rule id → times it fired in the replay */
export type RuleHits = Record<string, number>

export interface FiredRuleSummary {
  id: string
  name: string
  type: string
  /** backtests only: whether the rule makes the new outcome or made the old one */
  effect?: 'now' | 'no_longer'
}

export const finishedStatuses = ['completed', 'cancelled', 'failed'] as const

export function backtestView(row: BacktestRow) {
  const percent =
    row.total > 0 ? Math.min(100, (row.processed / row.total) * 100) : row.status === 'completed' ? 100 : 0
  return {
    id: row.id,
    rule_set_id: row.rule_set_id,
    version: row.version,
    from: row.range_from.toISOString(),
    to: row.range_to.toISOString(),
    sample_rate: row.sample_rate,
    status: row.status as 'queued' | 'running' | 'completed' | 'cancelled' | 'failed',
    progress: {
      percent: Math.round(percent * 10) / 10,
      processed: row.processed,
      total: row.total,
      changed: row.changed,
      decisions_per_second: row.rate_per_second === null ? null : Math.round(row.rate_per_second),
    },
    matrix: (row.matrix ?? {}) as OutcomeMatrix,
    rule_hits: Object.entries((row.rule_hits ?? {}) as RuleHits)
      .map(([rule, hits]) => ({ rule, hits }))
      .sort((a, b) => b.hits - a.hits || a.rule.localeCompare(b.rule)),
    error: row.error,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    started_at: row.started_at?.toISOString() ?? null,
    finished_at: row.finished_at?.toISOString() ?? null,
  }
}

/** The audit trail's actor for a signed-in staff member. */
export function actorOf(staff: { userId: string; email: string }): Actor {
  return { id: staff.userId, email: staff.email }
}

export async function getBacktest(db: Db, tenantId: string, id: string): Promise<BacktestRow> {
  const row = await db
    .selectFrom('backtests')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) throw new ProblemError('not_found', `No backtest ${id} in this tenant.`)
  return row
}

export async function createBacktest(
  db: Db,
  tenantId: string,
  actor: Actor | null,
  input: { ruleSetId: string; version: number; from: Date; to: Date; sampleRate: number | null },
): Promise<BacktestRow> {
  if (input.from.getTime() >= input.to.getTime())
    throw new ProblemError('validation_failed', 'from must be before to', [
      { field: 'to', pointer: '/to', message: 'must be after from' },
    ])
  return db.transaction().execute(async (trx) => {
    const version = await trx
      .selectFrom('rule_set_versions')
      .select(['definition', 'status'])
      .where('tenant_id', '=', tenantId)
      .where('rule_set_id', '=', input.ruleSetId)
      .where('version', '=', input.version)
      .executeTakeFirst()
    if (!version)
      throw new ProblemError('not_found', `Rule set ${input.ruleSetId} has no version ${input.version}.`)
    const validation = validateDefinition(version.definition)
    if (!validation.ok)
      throw new ProblemError(
        'invalid_rule_set',
        `Version ${input.version} has problems; fix them before backtesting it.`,
      )
    const row = await trx
      .insertInto('backtests')
      .values({
        tenant_id: tenantId,
        id: newId('bt'),
        rule_set_id: input.ruleSetId,
        version: input.version,
        range_from: input.from,
        range_to: input.to,
        sample_rate: input.sampleRate,
        status: 'queued',
        error: null,
        created_by: actor?.id ?? null,
        cursor_at: null,
        cursor_id: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordAudit(trx, tenantId, actor, {
      action: 'backtest.created',
      entityType: 'backtest',
      entityId: row.id,
      after: {
        rule_set_id: row.rule_set_id,
        version: row.version,
        from: row.range_from,
        to: row.range_to,
        sample_rate: row.sample_rate,
      },
    })
    return row
  })
}

export async function listBacktests(db: Db, tenantId: string, ruleSetId: string, limit: number) {
  return db
    .selectFrom('backtests')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('rule_set_id', '=', ruleSetId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}

export async function cancelBacktest(
  db: Db,
  tenantId: string,
  actor: Actor | null,
  id: string,
): Promise<BacktestRow> {
  return db.transaction().execute(async (trx) => {
    const before = await getBacktest(trx, tenantId, id)
    // the runner saves each batch only while the job is still running, so after this no more progress lands
    const row = await trx
      .updateTable('backtests')
      .set({ status: 'cancelled', finished_at: new Date(), lease_until: null })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .returningAll()
      .executeTakeFirst()
    if (!row) throw new ProblemError('conflict', `The backtest is already ${before.status}.`)
    await recordAudit(trx, tenantId, actor, {
      action: 'backtest.cancelled',
      entityType: 'backtest',
      entityId: id,
      before: { status: before.status, processed: before.processed },
      after: { status: row.status, processed: row.processed },
    })
    return row
  })
}

export async function listChanges(
  db: Db,
  tenantId: string,
  backtestId: string,
  page: number,
  pageSize: number,
) {
  const rows = await db
    .selectFrom('backtest_changes')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('backtest_id', '=', backtestId)
    .orderBy('decided_at')
    .orderBy('decision_id')
    .offset((page - 1) * pageSize)
    .limit(pageSize)
    .execute()
  return rows.map((r) => ({
    decision_id: r.decision_id,
    decided_at: r.decided_at.toISOString(),
    old_outcome: r.old_outcome as Outcome,
    new_outcome: r.new_outcome as Outcome,
    rules: r.new_rules as FiredRuleSummary[],
  }))
}
