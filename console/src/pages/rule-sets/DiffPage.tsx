// Two versions side by side: rules added, removed and changed (each change with its old and new
// value), and settings changes; any two versions, chosen in the address so a link shows the same.
import { A, useSearchParams } from '@solidjs/router'
import { createResource, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import { type Diff, type RuleSet, readDiff, readRuleSet, readVersion, type ValueChange } from './api.ts'
import { changeValue, diffSummary, isMoneyPath, pathInWords } from './lifecycle.ts'
import { definitionCurrency, isRecord } from './model.ts'
import { VersionOptions } from './VersionOptions.tsx'

/** The two definitions compared, to tell which changed values are money and in what currency. */
interface Sides {
  from: unknown
  to: unknown
}

/** A rule's JSON in a definition, by id; null names the settings. */
function ruleIn(definition: unknown, id: string | null): unknown | null {
  if (id === null) return null
  const rules = isRecord(definition) ? definition.rules : undefined
  return Array.isArray(rules) ? (rules.find((r) => isRecord(r) && r.id === id) ?? {}) : {}
}

function ChangeTable(props: {
  changes: ValueChange[]
  from: number
  to: number
  label: string
  sides: Sides
  /** the rule the changes are in, or null for the settings */
  ruleId: string | null
}) {
  const money = (change: ValueChange, side: 'from' | 'to') => {
    const definition = props.sides[side]
    return {
      currency: definitionCurrency(definition) ?? 'USD',
      is: isMoneyPath(change.path, ruleIn(definition, props.ruleId)),
    }
  }
  return (
    <table class="table table-compact diff-table" aria-label={props.label}>
      <thead>
        <tr>
          <th scope="col">What</th>
          <th scope="col">Version {props.from}</th>
          <th scope="col">Version {props.to}</th>
        </tr>
      </thead>
      <tbody>
        <For each={props.changes}>
          {(change) => (
            <tr>
              <td class="mono">{pathInWords(change.path)}</td>
              <td class="diff-old">
                <span class="mono">{changeValue(change, 'old', money(change, 'from'))}</span>
              </td>
              <td class="diff-new">
                <span class="mono">{changeValue(change, 'new', money(change, 'to'))}</span>
              </td>
            </tr>
          )}
        </For>
      </tbody>
    </table>
  )
}

function DiffView(props: { diff: Diff; sides: Sides }) {
  const d = () => props.diff
  return (
    <div class="stack" data-testid="diff">
      <p class="alert alert-ok" data-testid="diff-summary">
        {diffSummary(d())}
      </p>
      <div class="diff-columns">
        <section class="panel diff-side diff-side-old" aria-label={`Only in version ${d().from}`}>
          <header class="panel-header">
            <h2>Only in version {d().from}</h2>
            <span class="muted">removed</span>
          </header>
          <Show when={d().rules.removed.length} fallback={<p class="muted">No rule was removed.</p>}>
            <ul class="diff-rules">
              <For each={d().rules.removed}>
                {(rule) => (
                  <li class="diff-old">
                    − {rule.name ?? rule.id} <span class="mono muted">{rule.id}</span>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </section>
        <section class="panel diff-side diff-side-new" aria-label={`Only in version ${d().to}`}>
          <header class="panel-header">
            <h2>Only in version {d().to}</h2>
            <span class="muted">added</span>
          </header>
          <Show when={d().rules.added.length} fallback={<p class="muted">No rule was added.</p>}>
            <ul class="diff-rules">
              <For each={d().rules.added}>
                {(rule) => (
                  <li class="diff-new">
                    + {rule.name ?? rule.id} <span class="mono muted">{rule.id}</span>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </section>
      </div>
      <section class="panel">
        <header class="panel-header">
          <h2>Changed rules</h2>
          <span class="muted">{d().rules.unchanged} unchanged</span>
        </header>
        <Show
          when={d().rules.changed.length}
          fallback={<p class="muted">No rule in both versions changed.</p>}
        >
          <div class="stack">
            <For each={d().rules.changed}>
              {(rule) => (
                <div data-testid="changed-rule">
                  <h3>
                    {rule.name ?? rule.id} <span class="mono muted">{rule.id}</span>
                  </h3>
                  <ChangeTable
                    changes={rule.changes}
                    from={d().from}
                    to={d().to}
                    label={`Changes to ${rule.id}`}
                    sides={props.sides}
                    ruleId={rule.id}
                  />
                </div>
              )}
            </For>
          </div>
        </Show>
      </section>
      <Show when={d().settings.length}>
        <section class="panel">
          <header class="panel-header">
            <h2>Settings</h2>
          </header>
          <ChangeTable
            changes={d().settings}
            from={d().from}
            to={d().to}
            label="Settings changes"
            sides={props.sides}
            ruleId={null}
          />
        </section>
      </Show>
    </div>
  )
}

/** One side of the comparison: every version of the rule set, by number and status. */
function VersionSelect(props: {
  label: string
  name: string
  versions: RuleSet['versions']
  value: number
  onChange: (version: string) => void
}) {
  return (
    <label class="field">
      <span class="field-label">{props.label}</span>
      <select
        aria-label={props.name}
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        <VersionOptions versions={props.versions} />
      </select>
    </label>
  )
}

export default function DiffPage(props: { ruleSetId: string }) {
  const [search, setSearch] = useSearchParams<{ from: string; to: string }>()
  const [ruleSet] = createResource(() => props.ruleSetId, readRuleSet)
  const pick = (rs: RuleSet) => {
    const versions = rs.versions.map((v) => v.version).sort((a, b) => a - b)
    const to = Number(search.to) || versions[versions.length - 1] || 1
    const from = Number(search.from) || rs.active_version || versions[0] || 1
    return { from, to }
  }
  const compared = () => {
    const rs = ruleSet()
    return rs ? { id: rs.id, ...pick(rs) } : undefined
  }
  // the diff with both definitions, which tell the money among the changed values and its currency
  const [diff] = createResource(compared, ({ id, from, to }) =>
    Promise.all([readDiff(id, from, to), readVersion(id, from), readVersion(id, to)]).then(
      ([changes, older, newer]) => ({ changes, sides: { from: older.definition, to: newer.definition } }),
    ),
  )
  const base = () => `/rule-sets/${encodeURIComponent(props.ruleSetId)}`
  return (
    <>
      <p class="breadcrumb">
        <A href={base()}>← {ruleSet()?.name ?? props.ruleSetId}</A>
      </p>
      <PageHeader
        title="Compare versions"
        subtitle="Rules are matched by their id, so a renamed rule shows as changed."
      />
      <AsyncView resource={ruleSet}>
        {(rs) => (
          <>
            <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Versions to compare">
              <VersionSelect
                label="From (older)"
                name="From version"
                versions={rs().versions}
                value={pick(rs()).from}
                onChange={(from) => setSearch({ from })}
              />
              <VersionSelect
                label="To (newer)"
                name="To version"
                versions={rs().versions}
                value={pick(rs()).to}
                onChange={(to) => setSearch({ to })}
              />
            </form>
            <Show
              when={pick(rs()).from !== pick(rs()).to}
              fallback={<Empty title="Choose two different versions" />}
            >
              <AsyncView resource={diff}>
                {(d) => <DiffView diff={d().changes} sides={d().sides} />}
              </AsyncView>
            </Show>
          </>
        )}
      </AsyncView>
    </>
  )
}
