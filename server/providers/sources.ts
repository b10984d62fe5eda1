// Provider facts' sources. Live: the tenant's enabled provider of the kind is called through its
// client (deadline, retries, breaker, cache) and each call is kept to be recorded with the decision.
// Replays (backtests, shadow runs) never call a provider: they read the call recorded with the
// decision, found by its time and the hash of the query. A decision whose rules never asked a
// provider has nothing recorded, and a replay of it sees not_recorded — every provider fact null —
// which a backtest of a new provider rule must keep in mind (it cannot know what the provider
// would have said then, and asking now would answer a different question at a cost).
import type { Db } from '../../db/connect.ts'
import {
  type FailPolicy,
  isProviderKind,
  type ProviderAnswer,
  type ProviderKind,
  type ProviderOutcome,
  type ProviderQuery,
  type ProviderSources,
  providerAnswerSchemas,
} from '../../rules/facts/providers.ts'
import type { ReadGatherer } from '../decision-store/pipeline.ts'
import { type EnabledProvidersRead, Later, type RecordRow } from '../decision-store/store.ts'
import { type ProviderCall, type ProviderRegistry, queryKey } from './client.ts'
import { enabledProviders, enabledProvidersStatement, type ProviderRow, providerConfig } from './store.ts'

export interface LiveProviders {
  sources: Required<ProviderSources>
  /** the calls this decision made, in the order they were made */
  calls(): ProviderCall[]
  /** reads the tenant's enabled providers now, so the read shares a round trip with others */
  preload(): void
}

/** A call as a decision in a transaction waits for it: at most ms, then it leaves to wait outside. */
function waitAtMost<T>(call: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Later(call)), ms)
  })
  return Promise.race([call, late]).finally(() => clearTimeout(timer))
}

export interface LiveProviderOptions {
  /** a live decision's gatherer: the providers' read joins the other lookups of its turn */
  gather?: ReadGatherer | undefined
  /**
   * For a decision that may leave its transaction (server/decision-store/): how long it may wait for a
   * provider inside it, holding a connection, its locks and the others of its batch. Calling a
   * provider that has lately been slower than this, it leaves at once (Later); waiting for a call
   * that takes longer, it leaves then. The call goes on, and the decision runs again in a later batch
   * on its answer (`started`).
   */
  leaveAfterMs?: number | undefined
  /**
   * The calls this decision has started, by kind, kept across its runs: a decision that left to wait
   * takes up the call it already made instead of asking the provider a second time.
   */
  started?: Map<ProviderKind, Promise<ProviderCall>>
  /**
   * the enabled providers already read in this transaction, by tenant: the decisions of one batch
   * read each tenant's once, not each its own copy
   */
  readInTransaction?: EnabledProvidersRead
}

export function liveProviderSources(
  db: Db,
  tenantId: string,
  registry: ProviderRegistry,
  serverSecret: string,
  { gather, leaveAfterMs, started = new Map(), readInTransaction }: LiveProviderOptions = {},
): LiveProviders {
  const calls: ProviderCall[] = []
  // this decision's own read when no batch shares one
  const readSoFar: EnabledProvidersRead = readInTransaction ?? new Map()
  const read = async (): Promise<ProviderRow[]> => {
    if (!gather) return enabledProviders(db, tenantId)
    // gathered rows are JSON: the timestamps come back as strings
    const rows = await gather.rows<ProviderRow>(enabledProvidersStatement(tenantId))
    return rows.map((r) => ({ ...r, created_at: new Date(r.created_at), updated_at: new Date(r.updated_at) }))
  }
  const load = () => {
    let enabled = readSoFar.get(tenantId)
    if (!enabled) {
      enabled = read().then((rows) => new Map(rows.map((r) => [r.kind, r])))
      readSoFar.set(tenantId, enabled)
    }
    return enabled
  }
  return {
    calls: () => [...calls],
    preload: () => void load().catch(() => {}),
    sources: {
      async provider<K extends ProviderKind>(kind: K, query: ProviderQuery<K>): Promise<ProviderOutcome<K>> {
        const row = (await load()).get(kind)
        if (!row) return { status: 'not_configured', fail_policy: null, answer: null }
        // a decision's query of a kind comes from its request alone, so a later run asks the same
        let pending = started.get(kind)
        if (!pending) {
          const client = registry.client(providerConfig(row, serverSecret))
          const slow = leaveAfterMs !== undefined && !client.answersQuickly(query, leaveAfterMs)
          pending = client.call<K>(query)
          started.set(kind, pending)
          // a provider lately slow is waited for outside any transaction from the start
          if (slow) throw new Later(pending)
        }
        const call = (await (leaveAfterMs === undefined
          ? pending
          : waitAtMost(pending, leaveAfterMs))) as ProviderCall<K>
        calls.push(call)
        return { status: call.status, fail_policy: call.failPolicy, answer: call.answer }
      },
    },
  }
}

/** What each provider call came to, kept beside the decision in the decision's transaction. */
export function providerCallRows(
  tenantId: string,
  decisionId: string,
  decidedAt: Date,
  calls: ProviderCall[],
): RecordRow<'providerCall'>[] {
  return calls.map((call) => ({
    tenant_id: tenantId,
    decision_id: decisionId,
    kind: call.kind,
    provider_id: call.providerId,
    decided_at: decidedAt,
    query_key: call.queryKey,
    status: call.status,
    fail_policy: call.failPolicy,
    attempts: call.attempts,
    latency_ms: call.latencyMs,
    answer: call.answer,
    error: call.error,
  }))
}

export interface RecordedProviderCall {
  kind: string
  provider_id: string
  status: string
  fail_policy: string
  attempts: number
  latency_ms: number
  error: string | null
}

/** A decision's provider calls, for its explanation. */
export async function providerCallsOf(
  db: Db,
  tenantId: string,
  decisionId: string,
): Promise<RecordedProviderCall[]> {
  return db
    .selectFrom('provider_calls')
    .select(['kind', 'provider_id', 'status', 'fail_policy', 'attempts', 'latency_ms', 'error'])
    .where('tenant_id', '=', tenantId)
    .where('decision_id', '=', decisionId)
    .orderBy('kind')
    .execute()
}

function parseAnswer<K extends ProviderKind>(kind: K, value: unknown): ProviderAnswer<K> | null {
  const parsed = providerAnswerSchemas[kind].safeParse(typeof value === 'string' ? JSON.parse(value) : value)
  return parsed.success ? (parsed.data as ProviderAnswer<K>) : null
}

/**
 * Provider sources for a replay as of a recorded decision's time: the recorded answer, or
 * not_recorded. Live sources (asOf null) have none here: only authorize() may call a provider,
 * so a simulation never spends a provider call either.
 */
export function recordedProviderSources(db: Db, tenantId: string, asOf: Date | null): ProviderSources {
  if (asOf === null) return {}
  return {
    async provider<K extends ProviderKind>(kind: K, query: unknown): Promise<ProviderOutcome<K>> {
      const row = await db
        .selectFrom('provider_calls')
        .select(['status', 'fail_policy', 'answer'])
        .where('tenant_id', '=', tenantId)
        .where('decided_at', '=', asOf)
        .where('kind', '=', kind)
        .where('query_key', '=', queryKey(kind, query))
        .executeTakeFirst()
      if (!row || !isProviderKind(kind)) return { status: 'not_recorded', fail_policy: null, answer: null }
      const status = row.status as ProviderOutcome['status']
      return {
        status,
        fail_policy: row.fail_policy as FailPolicy,
        answer: row.answer === null ? null : parseAnswer(kind, row.answer),
      }
    },
  }
}
