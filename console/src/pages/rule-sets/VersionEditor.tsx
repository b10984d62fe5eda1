// One version: a draft in the visual editor and as JSON, in sync both ways, saved and validated by
// the server with each problem shown where it is; a published version read-only, the same views.
import { A, useSearchParams } from '@solidjs/router'
import { createMemo, createResource, createSignal, For, Show } from 'solid-js'
import { createStore, reconcile, unwrap } from 'solid-js/store'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, ErrorState, Notice } from '../../components/states.tsx'
import { ApiError } from '../../lib/api.ts'
import { formatDateTime, formatMoney } from '../../lib/format.ts'
import { roles } from '../../lib/roles.ts'
import { can, session } from '../../lib/session.ts'
import { ActionDialog } from './ActionDialog.tsx'
import {
  type Catalog,
  type RuleSet,
  readCatalog,
  readRuleSet,
  readVersion,
  saveDraft,
  type VersionDetail,
} from './api.ts'
import { JsonEditor } from './JsonEditor.tsx'
import { actionClasses, actionLabels, statusLabels, type VersionAction, versionActions } from './lifecycle.ts'
import {
  type DraftModel,
  definitionText,
  fromDefinition,
  isRecord,
  newRule,
  type ProblemPlaces,
  parseDefinitionText,
  placeProblems,
  problemInWords,
  type RuleModel,
  type ServerProblem,
  toDefinition,
} from './model.ts'
import { type EditorContext, eventTypeLabels, RuleCard } from './RuleEditor.tsx'
import { ruleInWords } from './rule-words.ts'

type View = 'visual' | 'json'

function Editor(props: {
  ruleSet: RuleSet
  detail: VersionDetail
  catalog: Catalog
  /** what the last lifecycle action did: the editor is made anew after it, so the message comes along */
  doneMessage: string | null
  onReload: (doneMessage: string) => void
}) {
  const [search, setSearch] = useSearchParams<{ view: string }>()
  const view = (): View => (search.view === 'json' ? 'json' : 'visual')
  const editable = () => props.detail.status === 'draft' && can('editor')

  const initial = fromDefinition(props.detail.definition)
  const [draft, setDraft] = createStore<DraftModel>(initial.ok ? initial.value : { settings: {}, rules: [] })
  const [jsonText, setJsonText] = createSignal(
    initial.ok ? definitionText(initial.value) : `${JSON.stringify(props.detail.definition, null, 2)}\n`,
  )
  const [jsonError, setJsonError] = createSignal<string | null>(initial.ok ? null : initial.message)
  // what the model says in canonical JSON: saved vs current, whichever view made the change
  const [canonical, setCanonical] = createSignal(jsonText())
  const [savedText, setSavedText] = createSignal(jsonText())
  const [serverProblems, setServerProblems] = createSignal<ServerProblem[]>(props.detail.problems)
  const [places, setPlaces] = createSignal<ProblemPlaces>(placeProblems(unwrap(draft), props.detail.problems))
  const [valid, setValid] = createSignal(props.detail.valid)
  const [open, setOpen] = createSignal<Set<string>>(
    new Set(
      unwrap(draft)
        .rules.filter((r) => places().perRule.has(r.key))
        .map((r) => r.key),
    ),
  )
  const [autoIds] = createSignal(new Set<string>())
  const [saving, setSaving] = createSignal(false)
  const [notice, setNotice] = createSignal<{ kind: 'ok' | 'error'; text: string } | null>(
    props.doneMessage ? { kind: 'ok', text: props.doneMessage } : null,
  )
  const [action, setAction] = createSignal<VersionAction | null>(null)
  // what the server says of the draft after each save: when and by whom it was last changed
  const [lastSaved, setLastSaved] = createSignal({
    at: props.detail.updated_at,
    by: props.detail.last_edited_by,
  })
  const currency = () => (typeof draft.settings.currency === 'string' ? draft.settings.currency : 'USD')
  const purchaseValueLimit = () => {
    const limit = draft.settings.purchase_value_limit
    return isRecord(limit) && typeof limit.amount === 'number' && typeof limit.days === 'number'
      ? { amount: limit.amount, days: limit.days }
      : null
  }
  // a published (or older) version's own lifecycle actions; a draft's Publish… sits by Save
  const lifecycleActions = () =>
    props.detail.status === 'draft'
      ? []
      : versionActions(props.ruleSet, props.detail, session()?.user.role ?? roles[0])

  const dirty = () => jsonError() !== null || canonical() !== savedText()
  const facts = createMemo(() => new Map(props.catalog.facts.map((f) => [f.name, f])))
  const context = (): EditorContext => ({
    catalog: props.catalog,
    facts: facts(),
    problems: places(),
    readOnly: !editable(),
    autoIds: autoIds(),
    currency: currency(),
  })

  /** A visual edit: the model changes, the JSON follows. */
  const update = (change: (model: DraftModel) => DraftModel) => {
    const next = change(structuredClone(unwrap(draft)))
    setDraft(reconcile(structuredClone(next), { key: 'key' }))
    setJsonText(definitionText(next))
    setCanonical(definitionText(next))
    setJsonError(null)
  }
  const updateRule = (key: string, change: (rule: RuleModel) => RuleModel) =>
    update((model) => ({ ...model, rules: model.rules.map((r) => (r.key === key ? change(r) : r)) }))

  /** A JSON edit: when it parses into rules the visual editor can show, the model follows. */
  const onJson = (text: string) => {
    setJsonText(text)
    const parsed = parseDefinitionText(text)
    if (!parsed.ok) {
      setJsonError(parsed.message)
      return
    }
    setJsonError(null)
    // the JSON has no UI keys: rules stay open by their id
    const openIds = new Set(
      unwrap(draft)
        .rules.filter((r) => open().has(r.key))
        .map((r) => r.id),
    )
    setDraft(reconcile(parsed.value, { key: 'key' }))
    setCanonical(definitionText(parsed.value))
    setOpen(new Set(parsed.value.rules.filter((r) => openIds.has(r.id)).map((r) => r.key)))
    setPlaces(placeProblems(parsed.value, serverProblems()))
  }

  const addRule = () => {
    const taken = unwrap(draft).rules.map((r) => r.id)
    const name = `New rule ${unwrap(draft).rules.length + 1}`
    const rule = newRule(name, taken)
    autoIds().add(rule.key)
    update((model) => ({ ...model, rules: [...model.rules, rule] }))
    setOpen((keys) => new Set([...keys, rule.key]))
    queueMicrotask(() =>
      document.querySelector(`[data-rule-id="${rule.id}"]`)?.scrollIntoView({ block: 'start' }),
    )
  }

  const save = async () => {
    if (jsonError()) return
    setSaving(true)
    setNotice(null)
    const model = structuredClone(unwrap(draft))
    const text = definitionText(model)
    try {
      const saved = await saveDraft(props.ruleSet.id, props.detail.version, toDefinition(model))
      setSavedText(text)
      setLastSaved({ at: saved.updated_at, by: saved.last_edited_by })
      setServerProblems(saved.problems)
      const placed = placeProblems(model, saved.problems)
      setPlaces(placed)
      setValid(saved.valid)
      autoIds().clear()
      setOpen((keys) => new Set([...keys, ...placed.perRule.keys()]))
      setNotice(
        saved.valid
          ? { kind: 'ok', text: 'Saved. The draft is valid and ready to publish.' }
          : {
              kind: 'error',
              text: `Saved, with ${saved.problems.length} ${saved.problems.length === 1 ? 'problem' : 'problems'} to fix before it can be published — shown at the rules below.`,
            },
      )
    } catch (failure) {
      setNotice({ kind: 'error', text: failure instanceof ApiError ? failure.message : String(failure) })
    } finally {
      setSaving(false)
    }
  }

  const toggle = (key: string) =>
    setOpen((keys) => {
      const next = new Set(keys)
      if (next.has(key)) next.delete(key)
      else next.add(key)
      return next
    })

  const base = () => `/rule-sets/${encodeURIComponent(props.ruleSet.id)}`
  const otherIds = (key: string) =>
    unwrap(draft)
      .rules.filter((r) => r.key !== key)
      .map((r) => r.id)

  return (
    <>
      <p class="breadcrumb">
        <A href={base()}>← {props.ruleSet.name}</A>
      </p>
      <PageHeader
        title={`${props.ruleSet.name} · version ${props.detail.version}`}
        subtitle={
          <>
            <span class={`badge version-${props.detail.status}`}>{statusLabels[props.detail.status]}</span>{' '}
            <span data-testid="version-when">
              {props.detail.status === 'draft'
                ? `last saved ${formatDateTime(lastSaved().at)}${lastSaved().by?.email ? ` by ${lastSaved().by?.email}` : ''}`
                : `published ${formatDateTime(props.detail.published_at)}`}
            </span>
            <Show when={props.detail.based_on}>{(b) => <> · based on version {b()}</>}</Show>
          </>
        }
        actions={
          <>
            <Show
              when={
                props.ruleSet.active_version !== null && props.ruleSet.active_version !== props.detail.version
              }
            >
              <A
                class="button"
                href={`${base()}/diff?from=${props.ruleSet.active_version}&to=${props.detail.version}`}
              >
                Compare with active
              </A>
            </Show>
            <Show when={can('analyst')}>
              <A class="button" href={`${base()}/simulate?version=${props.detail.version}`}>
                Simulate
              </A>
            </Show>
            <Show when={editable()}>
              <button
                type="button"
                class="button button-primary"
                onClick={save}
                disabled={saving() || jsonError() !== null}
              >
                {saving() ? 'Saving…' : dirty() ? 'Save draft' : 'Save and check'}
              </button>
            </Show>
            <Show when={props.detail.status === 'draft' && can('publisher')}>
              <button
                type="button"
                class="button"
                disabled={dirty() || !valid()}
                title={dirty() ? 'Save first' : valid() ? undefined : 'Fix the problems first'}
                onClick={() => setAction('publish')}
              >
                Publish…
              </button>
            </Show>
            <For each={lifecycleActions()}>
              {(a) => (
                <button
                  type="button"
                  class="button"
                  classList={actionClasses(a)}
                  onClick={() => setAction(a)}
                >
                  {actionLabels[a]}
                </button>
              )}
            </For>
          </>
        }
      />

      <div class="editor-status" aria-live="polite">
        <Show when={editable()}>
          <span class={dirty() ? 'unsaved' : 'muted'} data-testid="save-state">
            {dirty() ? '● Unsaved changes' : 'All changes saved'}
          </span>
        </Show>
        <Show when={!editable()}>
          <span class="muted">
            {props.detail.status === 'draft'
              ? 'Read-only: your role cannot edit drafts.'
              : 'Published versions never change. Start a new draft to edit.'}
          </span>
        </Show>
        <Show when={!valid() && !dirty()}>
          <span class="error-text">Not valid yet: {serverProblems().length} to fix.</span>
        </Show>
      </div>
      <Notice notice={notice()} testId="editor-notice" />
      <Show when={jsonError()}>
        {(message) => (
          <p class="alert alert-warning" role="alert">
            The JSON cannot be shown in the visual editor: {message()}. The visual editor shows the last
            version that could be read; saving waits until the JSON is fixed.
          </p>
        )}
      </Show>
      <Show when={places().general.length > 0}>
        <div class="alert" role="alert">
          <For each={places().general}>
            {(p) => (
              <div>
                <span class="mono">{p.field || 'document'}</span>: {problemInWords(p.message)}
              </div>
            )}
          </For>
        </div>
      </Show>

      <fieldset class="segmented view-switch">
        <legend class="visually-hidden">Editor view</legend>
        <button
          type="button"
          class="segment"
          aria-pressed={view() === 'visual'}
          onClick={() => setSearch({ view: undefined })}
        >
          Visual
        </button>
        <button
          type="button"
          class="segment"
          aria-pressed={view() === 'json'}
          onClick={() => setSearch({ view: 'json' })}
        >
          JSON
        </button>
      </fieldset>

      <Show when={view() === 'visual'}>
        <section class="panel settings-line" aria-label="Settings">
          <span>
            Currency <strong>{String(draft.settings.currency ?? '—')}</strong>
          </span>
          <span>
            Billing increment <strong>{String(draft.settings.billing_increment_seconds ?? 60)} s</strong>
          </span>
          <span>
            Session hold{' '}
            <strong>
              {typeof draft.settings.session_hold_amount === 'number'
                ? formatMoney({ value: draft.settings.session_hold_amount, currency: currency() })
                : 'none'}
            </strong>
          </span>
          <Show when={purchaseValueLimit()}>
            {(limit) => (
              <span>
                Purchase value limit{' '}
                <strong>{formatMoney({ value: limit().amount, currency: currency() })}</strong> for{' '}
                {limit().days} days
              </span>
            )}
          </Show>
          <Show when={draft.rules.some((r) => r.event.type === 'discount')}>
            <span>
              Discounts{' '}
              <strong>
                {draft.settings.discount_stacking === 'best'
                  ? 'the best one only'
                  : 'add up, capped at the amount'}
              </strong>
            </span>
          </Show>
          <span class="muted">Edit settings in the JSON view.</span>
        </section>
        <div class="rules-toolbar">
          <h2>
            {draft.rules.length} {draft.rules.length === 1 ? 'rule' : 'rules'}
          </h2>
          <span class="muted">
            Higher priority runs first; the strongest outcome wins (block › temporary block › review › limit ›
            approve).
          </span>
          <Show when={draft.rules.length > 0}>
            <button
              type="button"
              class="button button-small button-quiet"
              onClick={() =>
                setOpen((keys) => (keys.size ? new Set() : new Set(unwrap(draft).rules.map((r) => r.key))))
              }
            >
              {open().size ? 'Close all' : 'Open all'}
            </button>
          </Show>
        </div>
        <div class="stack" data-testid="visual-editor">
          <For each={draft.rules}>
            {(rule, index) => (
              <RuleCard
                rule={rule}
                index={index()}
                context={context()}
                otherIds={() => otherIds(rule.key)}
                summary={ruleInWords(rule, eventTypeLabels, currency())}
                open={open().has(rule.key)}
                onToggle={() => toggle(rule.key)}
                onChange={(change) => updateRule(rule.key, change)}
                onDelete={() =>
                  update((model) => ({ ...model, rules: model.rules.filter((r) => r.key !== rule.key) }))
                }
              />
            )}
          </For>
        </div>
        <Show when={editable()}>
          <button type="button" class="button add-rule" onClick={addRule}>
            + Add rule
          </button>
        </Show>
      </Show>
      <Show when={view() === 'json'}>
        <JsonEditor value={jsonText()} onChange={onJson} readOnly={!editable()} label="Rule set JSON" />
      </Show>

      <Show when={action()}>
        {(a) => (
          <ActionDialog
            ruleSet={props.ruleSet}
            version={props.detail.version}
            action={a()}
            lastEditedBy={lastSaved().by}
            onClose={() => setAction(null)}
            onDone={(message) => {
              setAction(null)
              props.onReload(message)
            }}
          />
        )}
      </Show>
    </>
  )
}

export default function VersionEditor(props: { ruleSetId: string; version: number }) {
  const [doneMessage, setDoneMessage] = createSignal<string | null>(null)
  const [data, { refetch }] = createResource(
    () => ({ id: props.ruleSetId, version: props.version }),
    async ({ id, version }) => {
      const [ruleSet, detail, catalog] = await Promise.all([
        readRuleSet(id),
        readVersion(id, version),
        readCatalog(),
      ])
      return { ruleSet, detail, catalog }
    },
  )
  return (
    <AsyncView resource={data} retry={refetch} loadingRows={8}>
      {(d) => (
        <Show when={d()} keyed fallback={<ErrorState error={new Error('Not found')} />}>
          {(loaded) => (
            <Editor
              ruleSet={loaded.ruleSet}
              detail={loaded.detail}
              catalog={loaded.catalog}
              doneMessage={doneMessage()}
              onReload={(message) => {
                setDoneMessage(message)
                refetch()
              }}
            />
          )}
        </Show>
      )}
    </AsyncView>
  )
}
