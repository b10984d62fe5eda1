// The dashboard: how many decisions of each outcome over time, block and review rates, the rules
// that fire most, and how fast the engine answers.
import { A, useSearchParams } from '@solidjs/router'
import { createResource, For, Show } from 'solid-js'
import { OutcomeBadge } from '../../components/OutcomeBadge.tsx'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import { formatCount, formatMs, formatPercent, outcomeLabels, outcomes } from '../../lib/format.ts'
import { fillBuckets, type RangeKey, rangeFor, ranges, readStats, type Stats } from './api.ts'
import { OutcomeChart } from './OutcomeChart.tsx'

function isRangeKey(value: string | undefined): value is RangeKey {
  return value !== undefined && value in ranges
}

function Tile(props: { label: string; value: string; hint?: string; testId?: string }) {
  return (
    <div class="tile" data-testid={props.testId}>
      <span class="tile-label">{props.label}</span>
      <span class="tile-value">{props.value}</span>
      <Show when={props.hint}>
        <span class="tile-hint">{props.hint}</span>
      </Show>
    </div>
  )
}

function chartSummary(stats: Stats): string {
  const parts = outcomes.map((o) => `${formatCount(stats.totals[o])} ${outcomeLabels[o].toLowerCase()}`)
  return `Decisions over time by outcome: ${parts.join(', ')}.`
}

export default function DashboardPage() {
  const [params, setParams] = useSearchParams<{ range: string }>()
  const rangeKey = (): RangeKey => (isRangeKey(params.range) ? params.range : '24h')
  const [stats, { refetch }] = createResource(rangeKey, async (key) => {
    const range = rangeFor(key)
    const figures = await readStats(range)
    return { ...figures, buckets: fillBuckets(figures.buckets, range) }
  })

  return (
    <>
      <PageHeader
        title="Dashboard"
        subtitle="What the engine decided, and how quickly."
        actions={
          <fieldset class="segmented">
            <legend class="visually-hidden">Time range</legend>
            <For each={Object.entries(ranges) as [RangeKey, (typeof ranges)[RangeKey]][]}>
              {([key, range]) => (
                <button
                  type="button"
                  class="segment"
                  aria-pressed={rangeKey() === key}
                  onClick={() => setParams({ range: key === '24h' ? undefined : key })}
                >
                  {range.label}
                </button>
              )}
            </For>
            <button type="button" class="segment" onClick={() => refetch()} title="Reload the figures">
              Refresh
            </button>
          </fieldset>
        }
      />
      <AsyncView resource={stats} retry={refetch} loadingRows={6}>
        {(s) => (
          <div class="stack">
            <div class="tiles">
              <Tile
                label="Decisions"
                value={formatCount(s().totals.total)}
                hint={ranges[rangeKey()].label}
                testId="tile-total"
              />
              <Tile
                label="Block rate"
                value={formatPercent(s().rates.block)}
                hint={`${formatCount(s().totals.block)} blocked`}
                testId="tile-block-rate"
              />
              <Tile
                label="Review rate"
                value={formatPercent(s().rates.review)}
                hint={`${formatCount(s().totals.review)} sent to review`}
                testId="tile-review-rate"
              />
              <Tile
                label="Latency p50 / p95 / p99"
                value={`${formatMs(s().latency_ms.p50)}`}
                hint={`p95 ${formatMs(s().latency_ms.p95)} · p99 ${formatMs(s().latency_ms.p99)}`}
                testId="tile-latency"
              />
            </div>

            <div class="dashboard-grid">
              <section class="panel" aria-labelledby="over-time">
                <header class="panel-header">
                  <h2 id="over-time">Decisions over time</h2>
                  <span class="muted">by outcome, per {ranges[rangeKey()].bucket}</span>
                </header>
                <Show
                  when={s().totals.total > 0}
                  fallback={
                    <Empty title="No decisions in this period">
                      When merchants send authorizations, they are counted here by outcome.
                    </Empty>
                  }
                >
                  <OutcomeChart
                    buckets={s().buckets}
                    bucket={ranges[rangeKey()].bucket}
                    summary={chartSummary(s())}
                  />
                  <ul class="outcome-totals">
                    <For each={outcomes}>
                      {(o) => (
                        <li>
                          <OutcomeBadge outcome={o} />{' '}
                          <A href={`/decisions?outcome=${o}`}>{formatCount(s().totals[o])}</A>
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
              </section>

              <section class="panel" aria-labelledby="top-rules">
                <header class="panel-header">
                  <h2 id="top-rules">Top firing rules</h2>
                </header>
                <Show
                  when={s().top_rules.length > 0}
                  fallback={<Empty title="No rule fired in this period" />}
                >
                  <ol class="top-rules">
                    <For each={s().top_rules}>
                      {(rule) => (
                        <li>
                          <A href={`/decisions?rule=${encodeURIComponent(rule.rule)}`} class="mono">
                            {rule.rule}
                          </A>
                          <span class="bar" aria-hidden="true">
                            <span
                              class="bar-fill"
                              style={{
                                width: `${(rule.count / Math.max(1, s().top_rules[0]?.count ?? 1)) * 100}%`,
                              }}
                            />
                          </span>
                          <span class="num">{formatCount(rule.count)}</span>
                        </li>
                      )}
                    </For>
                  </ol>
                </Show>
              </section>
            </div>
          </div>
        )}
      </AsyncView>
    </>
  )
}
