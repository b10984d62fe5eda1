// Backtests and shadow runs: start a replay of recorded decisions through a version, watch it run
// (the job id is in the address, so a reload finds it again), cancel it, and read the report: the
// outcome-change matrix, how often each rule fired, and the changed decisions, each a link to the
// decision. A shadow version's comparison with the live answers reads the same way.
import { A, useNavigate, useSearchParams } from '@solidjs/router'
import { createEffect, createResource, createSignal, For, onCleanup, Show } from 'solid-js'
import { OutcomeBadge } from '../../components/OutcomeBadge.tsx'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import { ApiError } from '../../lib/api.ts'
import {
  formatCount,
  formatDateTime,
  formatShortDateTime,
  fromLocalInput,
  outcomeLabel,
  outcomes,
  toLocalInput,
} from '../../lib/format.ts'
import { can } from '../../lib/session.ts'
import { FieldNote, FormProblem } from '../../lib/submission.tsx'
import {
  type Backtest,
  type ChangedDecision,
  cancelBacktest,
  listBacktests,
  type OutcomeMatrix,
  type RuleHit,
  type RuleSet,
  readBacktest,
  readBacktestChanges,
  readRuleSet,
  readShadowReport,
  setShadow,
  startBacktest,
} from './api.ts'
import { VersionOptions } from './VersionOptions.tsx'

const POLL_MS = 1000

export function OutcomeMatrixTable(props: { matrix: OutcomeMatrix; oldLabel: string; newLabel: string }) {
  const rows = () => outcomes.filter((o) => props.matrix[o])
  const columns = () => outcomes.filter((o) => rows().some((r) => props.matrix[r]?.[o]) || props.matrix[o])
  return (
    <Show when={rows().length > 0} fallback={<p class="muted">No decisions in the report yet.</p>}>
      <table class="table table-compact matrix" aria-label="Outcome changes">
        <thead>
          <tr>
            <th scope="col">
              {props.oldLabel} ↓ · {props.newLabel} →
            </th>
            <For each={columns()}>
              {(o) => (
                <th scope="col" class="num">
                  {outcomeLabel(o)}
                </th>
              )}
            </For>
          </tr>
        </thead>
        <tbody>
          <For each={rows()}>
            {(row) => (
              <tr>
                <th scope="row">{outcomeLabel(row)}</th>
                <For each={columns()}>
                  {(col) => {
                    const count = () => props.matrix[row]?.[col] ?? 0
                    return (
                      <td
                        class="num"
                        classList={{
                          'matrix-changed': row !== col && count() > 0,
                          'matrix-same': row === col,
                        }}
                        data-testid={`matrix-${row}-${col}`}
                      >
                        {count() ? formatCount(count()) : '·'}
                      </td>
                    )
                  }}
                </For>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Show>
  )
}

export function RuleHits(props: { hits: RuleHit[] }) {
  const top = () => Math.max(1, ...props.hits.map((h) => h.hits))
  return (
    <Show when={props.hits.length > 0} fallback={<p class="muted">No rule fired.</p>}>
      <ul class="top-rules" aria-label="Rule hits">
        <For each={props.hits}>
          {(hit) => (
            <li>
              <span class="mono">{hit.rule}</span>
              <span class="bar">
                <span class="bar-fill" style={{ width: `${(hit.hits / top()) * 100}%` }} />
              </span>
              <span class="num">{formatCount(hit.hits)}</span>
            </li>
          )}
        </For>
      </ul>
    </Show>
  )
}

const noLongerWords: Record<string, string> = {
  block: 'no longer blocks',
  temporary_block: 'no longer blocks for now',
  review: 'no longer sends to review',
  limit: 'no longer limits',
  allowance: 'no longer limits',
}

/**
 * The rules behind a changed outcome. A backtest names them itself: those that make the new outcome,
 * and those that made the old one and no longer do. A shadow comparison sends every rule that fired;
 * there allowances, which count on every request, are named only when nothing else fired.
 */
export function decidingRules(change: ChangedDecision): string[] {
  if (change.rules.some((r) => r.effect))
    return change.rules.map((r) =>
      r.effect === 'no_longer' ? `${r.name} (${noLongerWords[r.type] ?? 'no longer applies'})` : r.name,
    )
  const deciding = change.rules.filter((r) => r.type !== 'allowance')
  return (deciding.length ? deciding : change.rules).map((r) => r.name)
}

export function ChangedDecisions(props: { changes: ChangedDecision[]; total: number; newLabel: string }) {
  return (
    <Show when={props.changes.length > 0} fallback={<p class="muted">No decision would change.</p>}>
      <table class="table table-compact" aria-label="Changed decisions">
        <thead>
          <tr>
            <th scope="col">Decision</th>
            <th scope="col">Decided</th>
            <th scope="col">Was</th>
            <th scope="col">{props.newLabel}</th>
            <th scope="col">Because of</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.changes}>
            {(change) => (
              <tr data-testid="changed-decision">
                <td>
                  <A class="mono" href={`/decisions/${encodeURIComponent(change.decision_id)}`}>
                    {change.decision_id}
                  </A>
                </td>
                <td class="nowrap muted">{formatShortDateTime(change.decided_at)}</td>
                <td>
                  <OutcomeBadge outcome={change.old_outcome} />
                </td>
                <td>
                  <OutcomeBadge outcome={change.new_outcome} />
                </td>
                <td data-testid="because-of">{decidingRules(change).join(', ') || '—'}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Show>
  )
}

function BacktestView(props: { ruleSet: RuleSet; id: string }) {
  const [backtest, { refetch, mutate }] = createResource(() => props.id, readBacktest)
  const [page, setPage] = createSignal(1)
  const finished = () => {
    const status = backtest()?.status
    return status !== undefined && status !== 'queued' && status !== 'running'
  }
  const [changes] = createResource(
    () =>
      finished() || (backtest()?.progress.changed ?? 0) > 0
        ? { id: props.id, page: page(), at: backtest()?.progress.processed }
        : undefined,
    ({ id, page }) => readBacktestChanges(id, page),
  )
  const [cancelling, setCancelling] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)

  // poll while it runs; a reload lands here again through the id in the address
  createEffect(() => {
    if (backtest.loading || finished() || backtest.error) return
    const timer = setTimeout(() => refetch(), POLL_MS)
    onCleanup(() => clearTimeout(timer))
  })

  const cancel = async () => {
    setCancelling(true)
    setError(null)
    try {
      mutate(await cancelBacktest(props.id))
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure))
    } finally {
      setCancelling(false)
    }
  }

  return (
    <AsyncView resource={backtest} retry={refetch}>
      {(b) => (
        <div class="stack">
          <section class="panel" aria-label="Progress">
            <header class="panel-header">
              <h2>
                Backtest of version {b().version}{' '}
                <span class={`badge backtest-${b().status}`} data-testid="backtest-status">
                  {b().status}
                </span>
              </h2>
              <span class="muted">
                decisions from {formatDateTime(b().from)} to {formatDateTime(b().to)}
                {b().sample_rate ? ` · sample of ${Math.round((b().sample_rate ?? 1) * 100)}%` : ''}
              </span>
            </header>
            <div
              class="progress"
              role="progressbar"
              aria-label="Backtest progress"
              aria-valuemin="0"
              aria-valuemax="100"
              aria-valuenow={Math.round(b().progress.percent)}
            >
              <span class="progress-fill" style={{ width: `${Math.min(100, b().progress.percent)}%` }} />
            </div>
            <p class="progress-text">
              {formatCount(b().progress.processed)} of {formatCount(b().progress.total)} decisions replayed (
              {Math.round(b().progress.percent)}%) · {formatCount(b().progress.changed)} would change
              {b().progress.decisions_per_second
                ? ` · ${formatCount(Math.round(b().progress.decisions_per_second ?? 0))} a second`
                : ''}
            </p>
            <Show when={b().error}>
              <p class="alert" role="alert">
                {b().error}
              </p>
            </Show>
            <Show when={error()}>
              <p class="alert" role="alert">
                {error()}
              </p>
            </Show>
            <Show when={!finished() && can('analyst')}>
              <button type="button" class="button button-danger" disabled={cancelling()} onClick={cancel}>
                {cancelling() ? 'Cancelling…' : 'Cancel backtest'}
              </button>
            </Show>
          </section>
          <div class="report-grid">
            <section class="panel">
              <header class="panel-header">
                <h2>How outcomes would change</h2>
              </header>
              <OutcomeMatrixTable
                matrix={b().matrix}
                oldLabel="Decided"
                newLabel={`Version ${b().version}`}
              />
            </section>
            <section class="panel">
              <header class="panel-header">
                <h2>How often each rule fired</h2>
              </header>
              <RuleHits hits={b().rule_hits} />
            </section>
          </div>
          <section class="panel">
            <header class="panel-header">
              <h2>Changed decisions</h2>
              <span class="muted">{formatCount(b().progress.changed)}</span>
            </header>
            <Show
              when={changes()}
              fallback={<p class="muted">{finished() ? 'Loading…' : 'Listed as they are found.'}</p>}
            >
              {(c) => (
                <>
                  <ChangedDecisions
                    changes={c().changes}
                    total={c().total}
                    newLabel={`With version ${b().version}`}
                  />
                  <Show when={c().total > c().page_size}>
                    <div class="pager">
                      <button
                        type="button"
                        class="button button-small"
                        disabled={page() <= 1}
                        onClick={() => setPage(page() - 1)}
                      >
                        Previous
                      </button>
                      <span class="muted">
                        page {c().page} of {Math.ceil(c().total / c().page_size)}
                      </span>
                      <button
                        type="button"
                        class="button button-small"
                        disabled={page() * c().page_size >= c().total}
                        onClick={() => setPage(page() + 1)}
                      >
                        Next
                      </button>
                    </div>
                  </Show>
                </>
              )}
            </Show>
          </section>
        </div>
      )}
    </AsyncView>
  )
}

function StartBacktest(props: { ruleSet: RuleSet }) {
  const navigate = useNavigate()
  const now = new Date()
  const choosable = () =>
    [...props.ruleSet.versions].filter((v) => v.status !== 'archived').sort((a, b) => b.version - a.version)
  const [version, setVersion] = createSignal(String(choosable()[0]?.version ?? ''))
  const [from, setFrom] = createSignal(toLocalInput(new Date(now.getTime() - 24 * 3600_000).toISOString()))
  const [to, setTo] = createSignal(toLocalInput(new Date(now.getTime() + 60_000).toISOString()))
  const [sample, setSample] = createSignal('100')
  const [error, setError] = createSignal<ApiError | null>(null)
  const [pending, setPending] = createSignal(false)

  const submit = async (event: SubmitEvent) => {
    event.preventDefault()
    setPending(true)
    setError(null)
    try {
      const rate = Number(sample()) / 100
      const started = await startBacktest(props.ruleSet.id, {
        version: Number(version()),
        from: fromLocalInput(from()) ?? '',
        to: fromLocalInput(to()) ?? '',
        ...(rate > 0 && rate < 1 ? { sample_rate: rate } : {}),
      })
      navigate(
        `/rule-sets/${encodeURIComponent(props.ruleSet.id)}/backtests/${encodeURIComponent(started.id)}`,
      )
    } catch (failure) {
      if (failure instanceof ApiError) setError(failure)
      else throw failure
    } finally {
      setPending(false)
    }
  }

  return (
    <form class="panel form-panel" onSubmit={submit} aria-label="Start a backtest">
      <header class="panel-header">
        <h2>Start a backtest</h2>
        <span class="muted">Replays recorded decisions through a version, with facts as they were then.</span>
      </header>
      <div class="filters">
        <label class="field">
          <span class="field-label">Version</span>
          <select
            aria-label="Backtest version"
            value={version()}
            onChange={(e) => setVersion(e.currentTarget.value)}
          >
            <VersionOptions versions={choosable()} />
          </select>
        </label>
        <label class="field">
          <span class="field-label">Decisions from</span>
          <input
            type="datetime-local"
            aria-label="From"
            value={from()}
            onInput={(e) => setFrom(e.currentTarget.value)}
          />
          <FieldNote message={error()?.fieldMessage('from')} />
        </label>
        <label class="field">
          <span class="field-label">until</span>
          <input
            type="datetime-local"
            aria-label="To"
            value={to()}
            onInput={(e) => setTo(e.currentTarget.value)}
          />
          <FieldNote message={error()?.fieldMessage('to')} />
        </label>
        <label class="field">
          <span class="field-label">Share to replay (%)</span>
          <input
            type="number"
            min="1"
            max="100"
            aria-label="Sample percent"
            value={sample()}
            onInput={(e) => setSample(e.currentTarget.value)}
          />
        </label>
        <div class="filter-actions">
          <button type="submit" class="button button-primary" disabled={pending() || !version()}>
            {pending() ? 'Starting…' : 'Run backtest'}
          </button>
        </div>
      </div>
      <FormProblem error={error()} />
    </form>
  )
}

function BacktestList(props: { ruleSet: RuleSet }) {
  const [list, { refetch }] = createResource(() => props.ruleSet.id, listBacktests)
  const base = () => `/rule-sets/${encodeURIComponent(props.ruleSet.id)}/backtests`
  return (
    <AsyncView resource={list} retry={refetch}>
      {(backtests) => (
        <Show when={backtests().length > 0} fallback={<Empty title="No backtests yet" />}>
          <table class="table table-clickable" aria-label="Backtests">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Version</th>
                <th scope="col">Decisions from</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Replayed
                </th>
                <th scope="col" class="num">
                  Changed
                </th>
              </tr>
            </thead>
            <tbody>
              <For each={backtests()}>
                {(b: Backtest) => (
                  <tr>
                    <td>
                      <A href={`${base()}/${encodeURIComponent(b.id)}`}>{formatDateTime(b.created_at)}</A>
                    </td>
                    <td>version {b.version}</td>
                    <td class="muted">
                      {formatShortDateTime(b.from)} – {formatShortDateTime(b.to)}
                    </td>
                    <td>
                      <span class={`badge backtest-${b.status}`}>{b.status}</span>
                    </td>
                    <td class="num">{formatCount(b.progress.processed)}</td>
                    <td class="num">{formatCount(b.progress.changed)}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </Show>
      )}
    </AsyncView>
  )
}

function ShadowView(props: { ruleSet: RuleSet; onChanged: () => void }) {
  const [search, setSearch] = useSearchParams<{ version: string; page: string }>()
  const published = () =>
    props.ruleSet.versions.filter((v) => v.status === 'published' || v.status === 'shadow')
  const version = () => Number(search.version) || props.ruleSet.shadow_version || published()[0]?.version
  const page = () => Number(search.page) || 1
  const [report, { refetch }] = createResource(
    () => ({ id: props.ruleSet.id, version: version(), page: page() }),
    ({ id, version, page }) => readShadowReport(id, version, page),
  )
  const [error, setError] = createSignal<string | null>(null)
  const toggle = async (enabled: boolean) => {
    const v = version()
    if (!v) return
    setError(null)
    try {
      await setShadow(props.ruleSet.id, v, enabled)
      props.onChanged()
      refetch()
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure))
    }
  }
  return (
    <div class="stack">
      <div class="filters">
        <label class="field">
          <span class="field-label">Version</span>
          <select
            aria-label="Shadow version"
            value={version() ?? ''}
            onChange={(e) => setSearch({ version: e.currentTarget.value, page: undefined })}
          >
            <VersionOptions versions={published()} />
          </select>
        </label>
        <Show when={can('publisher') && version()}>
          <div class="filter-actions">
            <Show
              when={props.ruleSet.shadow_version === version()}
              fallback={
                <button type="button" class="button" onClick={() => toggle(true)}>
                  Run version {version()} in shadow
                </button>
              }
            >
              <button type="button" class="button button-danger" onClick={() => toggle(false)}>
                Stop shadow
              </button>
            </Show>
          </div>
        </Show>
      </div>
      <Show when={error()}>
        <p class="alert" role="alert">
          {error()}
        </p>
      </Show>
      <AsyncView resource={report} retry={refetch}>
        {(r) => (
          <>
            <p class="muted">
              {r().active ? `Version ${r().version} runs in shadow now. ` : ''}
              {formatCount(r().evaluated)} live decisions compared · {formatCount(r().changed)} would differ.
            </p>
            <div class="report-grid">
              <section class="panel">
                <header class="panel-header">
                  <h2>Live answer × shadow answer</h2>
                </header>
                <OutcomeMatrixTable matrix={r().matrix} oldLabel="Live" newLabel="Shadow" />
              </section>
              <section class="panel">
                <header class="panel-header">
                  <h2>How often each rule fired in shadow</h2>
                </header>
                <RuleHits hits={r().rule_hits} />
              </section>
            </div>
            <section class="panel">
              <header class="panel-header">
                <h2>Decisions the shadow version would have changed</h2>
              </header>
              <ChangedDecisions changes={r().changes.items} total={r().changed} newLabel="Shadow would say" />
              <Show when={r().changed > r().changes.page_size}>
                <div class="pager">
                  <button
                    type="button"
                    class="button button-small"
                    disabled={page() <= 1}
                    onClick={() => setSearch({ page: String(page() - 1) })}
                  >
                    Previous
                  </button>
                  <button
                    type="button"
                    class="button button-small"
                    disabled={page() * r().changes.page_size >= r().changed}
                    onClick={() => setSearch({ page: String(page() + 1) })}
                  >
                    Next
                  </button>
                </div>
              </Show>
            </section>
          </>
        )}
      </AsyncView>
    </div>
  )
}

export default function BacktestPages(props: {
  ruleSetId: string
  view: 'backtests' | 'shadow'
  backtestId?: string
}) {
  const [ruleSet, { refetch }] = createResource(() => props.ruleSetId, readRuleSet)
  const base = () => `/rule-sets/${encodeURIComponent(props.ruleSetId)}`
  return (
    <AsyncView resource={ruleSet} retry={refetch}>
      {(rs) => (
        <>
          <p class="breadcrumb">
            <A href={base()}>← {rs().name}</A>
            <Show when={props.backtestId}>
              {' · '}
              <A href={`${base()}/backtests`}>All backtests</A>
            </Show>
          </p>
          <Show
            when={props.view === 'shadow'}
            fallback={
              <>
                <PageHeader
                  title={props.backtestId ? 'Backtest' : 'Backtests'}
                  subtitle="What a version would have decided for past requests, with facts as they were then."
                />
                <Show
                  when={props.backtestId}
                  fallback={
                    <div class="stack">
                      <Show when={can('analyst')}>
                        <StartBacktest ruleSet={rs()} />
                      </Show>
                      <BacktestList ruleSet={rs()} />
                    </div>
                  }
                >
                  {(id) => <BacktestView ruleSet={rs()} id={id()} />}
                </Show>
              </>
            }
          >
            <PageHeader
              title="Shadow comparison"
              subtitle="A published version evaluated beside the active one on live traffic, without changing any answer."
            />
            <ShadowView ruleSet={rs()} onChanged={refetch} />
          </Show>
        </>
      )}
    </AsyncView>
  )
}
