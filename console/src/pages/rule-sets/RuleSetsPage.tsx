// Rule sets: the list, one rule set's version history with its lifecycle actions, and the routes
// below it (a version in the editor, diff, simulate, backtests, shadow), all under /rule-sets/*.
import { A, useNavigate, useParams } from '@solidjs/router'
import { createResource, createSignal, For, lazy, Match, Show, Switch } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty, Notice } from '../../components/states.tsx'
import { ApiError } from '../../lib/api.ts'
import { formatDateTime } from '../../lib/format.ts'
import { roles } from '../../lib/roles.ts'
import { can, session } from '../../lib/session.ts'
import { ActionDialog } from './ActionDialog.tsx'
import {
  createDraft,
  listRuleSets,
  type RuleSet,
  readRuleSet,
  updateRuleSet,
  type VersionSummary,
} from './api.ts'
import {
  actionClasses,
  actionLabels,
  statusHints,
  statusLabels,
  type VersionAction,
  versionActions,
} from './lifecycle.ts'
import './rule-sets.css'

const VersionEditor = lazy(() => import('./VersionEditor.tsx'))
const DiffPage = lazy(() => import('./DiffPage.tsx'))
const SimulatePage = lazy(() => import('./SimulatePage.tsx'))
const BacktestPages = lazy(() => import('./BacktestPages.tsx'))

function RuleSetList() {
  const [ruleSets, { refetch }] = createResource(listRuleSets)
  return (
    <>
      <PageHeader
        title="Rule sets"
        subtitle="The rules that decide every authorization, as versions: drafted, checked, published, then activated."
      />
      <AsyncView resource={ruleSets} retry={refetch}>
        {(list) => (
          <Show when={list().length > 0} fallback={<Empty title="No rule sets yet" />}>
            <div class="table-wrap">
              <table class="table" aria-label="Rule sets">
                <thead>
                  <tr>
                    <th scope="col">Rule set</th>
                    <th scope="col">Active version</th>
                    <th scope="col">In shadow</th>
                    <th scope="col" class="num">
                      Versions
                    </th>
                    <th scope="col" class="num">
                      Drafts
                    </th>
                    <th scope="col">Changed</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(ruleSet) => (
                      <tr data-testid={`rule-set-${ruleSet.id}`}>
                        <td>
                          <A href={`/rule-sets/${encodeURIComponent(ruleSet.id)}`} class="strong">
                            {ruleSet.name}
                          </A>
                          <div class="muted">{ruleSet.description}</div>
                          <Show when={ruleSet.decides_authorizations}>
                            <span class="badge version-active">Decides authorizations</span>
                          </Show>
                        </td>
                        <td>
                          {ruleSet.active_version === null ? 'none' : `version ${ruleSet.active_version}`}
                        </td>
                        <td>{ruleSet.shadow_version === null ? '—' : `version ${ruleSet.shadow_version}`}</td>
                        <td class="num">{ruleSet.versions.total}</td>
                        <td class="num">{ruleSet.versions.draft}</td>
                        <td class="nowrap muted">{formatDateTime(ruleSet.updated_at)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </AsyncView>
    </>
  )
}

function author(version: VersionSummary): string {
  const person = version.last_edited_by ?? version.created_by
  if (!person) return '—'
  return person.email ?? (person.id === 'bootstrap' ? 'set up with the workspace' : person.id)
}

function VersionRow(props: {
  ruleSet: RuleSet
  version: VersionSummary
  onAction: (action: VersionAction, version: number) => void
  onDraftFrom: (version: number) => void
}) {
  const base = () => `/rule-sets/${encodeURIComponent(props.ruleSet.id)}`
  const role = () => session()?.user.role ?? roles[0]
  const actions = () => versionActions(props.ruleSet, props.version, role())
  const active = () => props.ruleSet.active_version
  return (
    <tr data-testid={`version-${props.version.version}`}>
      <td class="strong nowrap">
        <A href={`${base()}/versions/${props.version.version}`}>Version {props.version.version}</A>
      </td>
      <td>
        <span class={`badge version-${props.version.status}`} title={statusHints[props.version.status]}>
          {statusLabels[props.version.status]}
        </span>
      </td>
      <td>{author(props.version)}</td>
      <td class="nowrap muted">{formatDateTime(props.version.updated_at)}</td>
      <td class="nowrap muted">
        {props.version.published_at
          ? `${formatDateTime(props.version.published_at)}${props.version.published_by?.email ? ` by ${props.version.published_by.email}` : ''}`
          : '—'}
      </td>
      <td class="muted nowrap">{props.version.based_on ? `version ${props.version.based_on}` : '—'}</td>
      <td class="actions row-actions">
        <A class="button button-small" href={`${base()}/versions/${props.version.version}`}>
          {props.version.status === 'draft' && can('editor') ? 'Edit' : 'Open'}
        </A>
        <Show when={active() !== null && active() !== props.version.version}>
          <A
            class="button button-small button-quiet"
            href={`${base()}/diff?from=${active()}&to=${props.version.version}`}
          >
            Diff
          </A>
        </Show>
        <Show when={can('analyst')}>
          <A
            class="button button-small button-quiet"
            href={`${base()}/simulate?version=${props.version.version}`}
          >
            Simulate
          </A>
        </Show>
        <Show when={can('editor') && props.version.status !== 'draft'}>
          <button
            type="button"
            class="button button-small button-quiet"
            onClick={() => props.onDraftFrom(props.version.version)}
          >
            Draft from this
          </button>
        </Show>
        <For each={actions()}>
          {(action) => (
            <button
              type="button"
              class="button button-small"
              classList={actionClasses(action)}
              onClick={() => props.onAction(action, props.version.version)}
            >
              {actionLabels[action]}
            </button>
          )}
        </For>
      </td>
    </tr>
  )
}

/** Whether a draft's last editor may publish it, and for an admin the switch. */
function FourEyes(props: {
  ruleSet: RuleSet
  onChanged: (message: string) => void
  onFailed: (message: string) => void
}) {
  const [pending, setPending] = createSignal(false)
  const toggle = async () => {
    const on = !props.ruleSet.four_eyes
    setPending(true)
    try {
      await updateRuleSet(props.ruleSet.id, { four_eyes: on })
      props.onChanged(
        on
          ? 'Four-eyes publishing is on: from now on a draft needs a second person to publish it.'
          : 'Four-eyes publishing is off: a publisher may now publish their own drafts.',
      )
    } catch (failure) {
      props.onFailed(failure instanceof ApiError ? failure.message : String(failure))
    } finally {
      setPending(false)
    }
  }
  return (
    <section class="panel four-eyes" aria-label="Four-eyes publishing">
      <p data-testid="four-eyes-state">
        <strong>Four-eyes publishing is {props.ruleSet.four_eyes ? 'on' : 'off'}.</strong>{' '}
        {props.ruleSet.four_eyes
          ? 'The person who changed a draft last cannot publish it: another publisher or an admin must.'
          : 'Any publisher or admin may publish a draft, including one they changed themselves.'}
      </p>
      <Show
        when={can('admin')}
        fallback={<span class="muted">Only an admin can switch four-eyes publishing on or off.</span>}
      >
        <button type="button" class="button button-small" disabled={pending()} onClick={toggle}>
          {props.ruleSet.four_eyes ? 'Turn four-eyes off' : 'Turn four-eyes on'}
        </button>
      </Show>
    </section>
  )
}

function RuleSetDetail(props: { id: string }) {
  const navigate = useNavigate()
  const [ruleSet, { refetch }] = createResource(() => props.id, readRuleSet)
  const [pending, setPending] = createSignal<{ action: VersionAction; version: number } | null>(null)
  const [notice, setNotice] = createSignal<{ kind: 'ok' | 'error'; text: string } | null>(null)
  const [creating, setCreating] = createSignal(false)
  const base = () => `/rule-sets/${encodeURIComponent(props.id)}`

  const draftFrom = async (version?: number) => {
    setCreating(true)
    setNotice(null)
    try {
      const draft = await createDraft(props.id, version)
      navigate(`${base()}/versions/${draft.version}`)
    } catch (failure) {
      setNotice({ kind: 'error', text: failure instanceof ApiError ? failure.message : String(failure) })
    } finally {
      setCreating(false)
    }
  }

  return (
    <AsyncView resource={ruleSet} retry={refetch} loadingRows={6}>
      {(rs) => (
        <>
          <p class="breadcrumb">
            <A href="/rule-sets">← Rule sets</A>
          </p>
          <PageHeader
            title={rs().name}
            subtitle={
              <>
                {rs().description}
                {rs().active_version === null
                  ? ' · nothing active'
                  : ` · version ${rs().active_version} decides now`}
                {rs().shadow_version === null ? '' : ` · version ${rs().shadow_version} in shadow`}
              </>
            }
            actions={
              <>
                <A class="button" href={`${base()}/diff`}>
                  Compare versions
                </A>
                <Show when={can('analyst')}>
                  <A class="button" href={`${base()}/simulate`}>
                    Simulate
                  </A>
                </Show>
                <A class="button" href={`${base()}/backtests`}>
                  Backtests
                </A>
                <Show when={rs().shadow_version !== null}>
                  <A class="button" href={`${base()}/shadow`}>
                    Shadow comparison
                  </A>
                </Show>
                <Show when={can('editor')}>
                  <button
                    type="button"
                    class="button button-primary"
                    disabled={creating()}
                    onClick={() => draftFrom()}
                  >
                    {creating() ? 'Starting…' : 'New draft'}
                  </button>
                </Show>
              </>
            }
          />
          <Notice notice={notice()} testId="rule-set-notice" />
          <FourEyes
            ruleSet={rs()}
            onChanged={(text) => {
              setNotice({ kind: 'ok', text })
              refetch()
            }}
            onFailed={(text) => setNotice({ kind: 'error', text })}
          />
          <section class="panel">
            <header class="panel-header">
              <h2>Version history</h2>
              <span class="muted">
                A new draft copies the active version; published versions never change.
              </span>
            </header>
            <div class="table-wrap">
              <table class="table" aria-label="Versions">
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Status</th>
                    <th scope="col">Author</th>
                    <th scope="col">Last changed</th>
                    <th scope="col">Published</th>
                    <th scope="col">Based on</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={[...rs().versions].sort((a, b) => b.version - a.version)}>
                    {(version) => (
                      <VersionRow
                        ruleSet={rs()}
                        version={version}
                        onAction={(action, v) => setPending({ action, version: v })}
                        onDraftFrom={(v) => draftFrom(v)}
                      />
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </section>
          <Show when={pending()}>
            {(p) => (
              <ActionDialog
                ruleSet={rs()}
                version={p().version}
                action={p().action}
                onClose={() => setPending(null)}
                onDone={(text) => {
                  setPending(null)
                  setNotice({ kind: 'ok', text })
                  refetch()
                }}
              />
            )}
          </Show>
        </>
      )}
    </AsyncView>
  )
}

/** /rule-sets/*rest, read as: "", ":id", ":id/versions/:v", ":id/diff", ":id/simulate", ":id/backtests[/:bt]", ":id/shadow" */
export default function RuleSetsPage() {
  const params = useParams<{ rest?: string }>()
  const parts = () => (params.rest ?? '').split('/').filter(Boolean).map(decodeURIComponent)
  const id = () => parts()[0] ?? ''
  const sub = () => parts()[1] ?? ''
  const version = () => Number(parts()[2])
  return (
    <Switch
      fallback={
        <Empty title="No such page">
          Go back to the <A href="/rule-sets">rule sets</A>.
        </Empty>
      }
    >
      <Match when={parts().length === 0}>
        <RuleSetList />
      </Match>
      <Match when={parts().length === 1}>
        <RuleSetDetail id={id()} />
      </Match>
      <Match when={sub() === 'versions' && Number.isInteger(version()) && version() > 0}>
        <VersionEditor ruleSetId={id()} version={version()} />
      </Match>
      <Match when={sub() === 'diff'}>
        <DiffPage ruleSetId={id()} />
      </Match>
      <Match when={sub() === 'simulate'}>
        <SimulatePage ruleSetId={id()} />
      </Match>
      <Match when={sub() === 'backtests' || sub() === 'shadow'}>
        <BacktestPages
          ruleSetId={id()}
          view={sub() === 'shadow' ? 'shadow' : 'backtests'}
          backtestId={parts()[2]}
        />
      </Match>
    </Switch>
  )
}
