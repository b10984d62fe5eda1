// Lists: pick one of the tenant's lists, search its entries (now, or as it was at a time), add and
// remove entries, import a CSV with progress and rejected lines, export it; admins set sharing.
import { useSearchParams } from '@solidjs/router'
import { createEffect, createResource, createSignal, For, on, onCleanup, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty, Notice } from '../../components/states.tsx'
import { formatCount, formatDateTime, fromLocalInput } from '../../lib/format.ts'
import { can } from '../../lib/session.ts'
import {
  createSubmission,
  FieldNote,
  FormProblem,
  SearchActions,
  SubmitActions,
} from '../../lib/submission.tsx'
import {
  addEntry,
  type EntrySearch,
  exportHref,
  type List,
  type ListEntry,
  type ListImport,
  type ListSubject,
  listLists,
  listSubjects,
  type NewEntry,
  readImport,
  readSharing,
  removeEntry,
  searchEntries,
  startImport,
  subjectHints,
  subjectLabels,
  writeSharing,
} from './api.ts'

type NoticeMessage = { kind: 'ok' | 'error'; text: string } | null

function messageOf(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure)
}

function AddEntryForm(props: { list: List; onAdded: (entry: ListEntry) => void; onCancel: () => void }) {
  const blank = (): NewEntry => ({ subject: 'phone', value: '', reason: '' })
  const [draft, setDraft] = createSignal<NewEntry>(blank())
  const [expires, setExpires] = createSignal('')
  const { pending, error, run, fieldError } = createSubmission()
  const set = <K extends keyof NewEntry>(key: K, value: NewEntry[K]) =>
    setDraft((d) => ({ ...d, [key]: value }))

  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    void run(async () => {
      const entry = await addEntry(props.list.id, {
        ...draft(),
        reason: draft().reason.trim(),
        expires_at: fromLocalInput(expires()),
      })
      setDraft((d) => ({ ...blank(), subject: d.subject }))
      setExpires('')
      props.onAdded(entry)
    })
  }

  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby="new-entry">
      <header class="panel-header">
        <h2 id="new-entry">Add to {props.list.name}</h2>
      </header>
      <FormProblem error={error()} />
      <div class="form-grid">
        <label class="field">
          <span class="field-label">Subject</span>
          <select
            name="subject"
            value={draft().subject}
            onChange={(e) => set('subject', e.currentTarget.value as ListSubject)}
          >
            <For each={listSubjects}>{(s) => <option value={s}>{subjectLabels[s]}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span class="field-label">Value</span>
          <input
            name="value"
            required
            maxLength={320}
            value={draft().value}
            onInput={(e) => set('value', e.currentTarget.value)}
            aria-invalid={Boolean(fieldError('value'))}
          />
          <FieldNote message={fieldError('value')} hint={subjectHints[draft().subject]} />
        </label>
        <label class="field">
          <span class="field-label">Reason</span>
          <input
            name="reason"
            maxLength={500}
            value={draft().reason}
            onInput={(e) => set('reason', e.currentTarget.value)}
            aria-invalid={Boolean(fieldError('reason'))}
          />
          <FieldNote message={fieldError('reason')} />
        </label>
        <label class="field">
          <span class="field-label">Expires</span>
          <input
            name="expires_at"
            type="datetime-local"
            value={expires()}
            onInput={(e) => setExpires(e.currentTarget.value)}
            aria-invalid={Boolean(fieldError('expires_at'))}
          />
          <FieldNote message={fieldError('expires_at')} hint="Leave empty to keep it until removed." />
        </label>
      </div>
      <SubmitActions
        pending={pending()}
        label="Add entry"
        pendingLabel="Adding…"
        onCancel={() => props.onCancel()}
      />
    </form>
  )
}

const POLL_MS = 400

function ImportPanel(props: { list: List; onFinished: (job: ListImport) => void; onClose: () => void }) {
  const [file, setFile] = createSignal<File | null>(null)
  const [pasted, setPasted] = createSignal('')
  const [job, setJob] = createSignal<ListImport | null>(null)
  const [error, setError] = createSignal<string | null>(null)
  const [uploading, setUploading] = createSignal(false)
  let timer: ReturnType<typeof setTimeout> | undefined
  onCleanup(() => clearTimeout(timer))

  const running = () => uploading() || job()?.status === 'queued' || job()?.status === 'running'

  const poll = async (listId: string, importId: string) => {
    try {
      const current = await readImport(listId, importId)
      setJob(current)
      if (current.status === 'queued' || current.status === 'running')
        timer = setTimeout(() => void poll(listId, importId), POLL_MS)
      else props.onFinished(current)
    } catch (failure) {
      setError(`Lost track of the import: ${messageOf(failure)}`)
    }
  }

  const submit = async (event: SubmitEvent) => {
    event.preventDefault()
    const content = file() ?? pasted()
    if (typeof content === 'string' && !content.trim()) {
      setError('Choose a CSV file or paste its lines first.')
      return
    }
    setError(null)
    setJob(null)
    setUploading(true)
    try {
      const started = await startImport(props.list.id, content)
      setJob(started)
      void poll(props.list.id, started.id)
    } catch (failure) {
      setError(messageOf(failure))
    } finally {
      setUploading(false)
    }
  }

  const percent = () => Math.round((job()?.progress ?? 0) * 100)

  return (
    <form class="panel form-panel" onSubmit={submit} aria-labelledby="import-heading">
      <header class="panel-header">
        <h2 id="import-heading">Import into {props.list.name}</h2>
        <button type="button" class="button button-quiet button-small" onClick={() => props.onClose()}>
          Close
        </button>
      </header>
      <p class="muted">
        A header line names the columns <code>subject</code>, <code>value</code> and optionally{' '}
        <code>reason</code> and <code>expires_at</code>; an export imports as it is. Every row is checked,
        values already on the list count as duplicates, and rejected rows are listed by line number.
      </p>
      <div class="form-grid">
        <label class="field">
          <span class="field-label">CSV file</span>
          <input
            name="file"
            type="file"
            accept=".csv,text/csv"
            disabled={running()}
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
          <span class="field-hint">Up to 50 MiB.</span>
        </label>
        <label class="field field-grow">
          <span class="field-label">Or paste CSV</span>
          <textarea
            name="csv"
            rows={4}
            class="mono"
            disabled={running() || file() !== null}
            placeholder={'subject,value,reason\nphone,+15555550100,chargeback'}
            value={pasted()}
            onInput={(e) => setPasted(e.currentTarget.value)}
          />
        </label>
      </div>
      <SubmitActions pending={running()} label="Upload and import" pendingLabel="Importing…" />
      <Show when={error()}>
        {(text) => (
          <p class="alert" role="alert">
            {text()}
          </p>
        )}
      </Show>
      <Show when={job()}>
        {(current) => (
          <div class="import-status" data-testid="import-status">
            <div class="import-progress">
              <div
                class="bar bar-large"
                role="progressbar"
                aria-label="Import progress"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={percent()}
              >
                <span class="bar-fill" style={{ width: `${percent()}%` }} />
              </div>
              <span class="num nowrap">{percent()}%</span>
            </div>
            <p aria-live="polite">
              <Show
                when={current().status === 'completed' || current().status === 'failed'}
                fallback={`Reading the file… ${formatCount(current().total_rows)} rows so far.`}
              >
                <Show
                  when={current().status === 'completed'}
                  fallback={<span class="error-text">The import failed: {current().error}</span>}
                >
                  <strong>Done.</strong> {formatCount(current().total_rows)} rows read.
                </Show>
              </Show>
            </p>
            <dl class="import-counts">
              <div>
                <dt>Accepted</dt>
                <dd data-testid="import-accepted">{formatCount(current().accepted)}</dd>
              </div>
              <div>
                <dt>Already on the list</dt>
                <dd data-testid="import-duplicates">{formatCount(current().duplicates)}</dd>
              </div>
              <div>
                <dt>Rejected</dt>
                <dd data-testid="import-rejected" classList={{ 'error-text': current().rejected > 0 }}>
                  {formatCount(current().rejected)}
                </dd>
              </div>
            </dl>
            <Show when={current().rejections.length > 0}>
              <table class="table table-compact" aria-label="Rejected lines">
                <thead>
                  <tr>
                    <th scope="col" class="num">
                      Line
                    </th>
                    <th scope="col">Why it was rejected</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={current().rejections}>
                    {(r) => (
                      <tr>
                        <td class="num mono">{r.line}</td>
                        <td>{r.message}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
              <Show when={current().rejected > current().rejections.length}>
                <p class="muted">
                  The first {formatCount(current().rejections.length)} of {formatCount(current().rejected)}{' '}
                  rejected lines.
                </p>
              </Show>
            </Show>
          </div>
        )}
      </Show>
    </form>
  )
}

function EntryRow(props: {
  entry: ListEntry
  canEdit: boolean
  onRemoved: (entry: ListEntry) => void
  onError: (text: string) => void
}) {
  const [confirming, setConfirming] = createSignal(false)
  const [pending, setPending] = createSignal(false)
  let keepButton: HTMLButtonElement | undefined
  const e = () => props.entry

  const remove = async () => {
    setPending(true)
    try {
      props.onRemoved(await removeEntry(e().list_id, e().id))
    } catch (failure) {
      props.onError(`${e().value}: ${messageOf(failure)}`)
    } finally {
      setPending(false)
      setConfirming(false)
    }
  }

  return (
    <tr classList={{ 'row-disabled': e().status !== 'active' }} data-testid="list-entry">
      <td>{subjectLabels[e().subject] ?? e().subject}</td>
      <td class="mono strong">{e().value}</td>
      <td>{e().reason || <span class="muted">—</span>}</td>
      <td>{e().source}</td>
      <td class="cell-lines">
        <span class="nowrap">{formatDateTime(e().added_at)}</span>
        <span class="muted" data-testid="added-by">
          {e().added_by_user?.name ?? e().added_by ?? ''}
        </span>
      </td>
      <td class="nowrap">
        {e().expires_at ? formatDateTime(e().expires_at) : <span class="muted">never</span>}
      </td>
      <td>
        <span class={`badge entry-${e().status}`}>{e().status}</span>
        <Show when={e().removed_at}>
          <span class="muted nowrap"> {formatDateTime(e().removed_at)}</span>
        </Show>
      </td>
      <td class="actions">
        <Show when={props.canEdit && e().status === 'active'}>
          <Show
            when={confirming()}
            fallback={
              <button
                type="button"
                class="button button-small"
                aria-label={`Remove ${e().value}`}
                onClick={() => {
                  setConfirming(true)
                  keepButton?.focus()
                }}
              >
                Remove
              </button>
            }
          >
            <fieldset class="confirm-inline">
              <legend class="visually-hidden">{`Remove ${e().value}?`}</legend>
              <span aria-hidden="true">Remove it?</span>
              <button
                type="button"
                class="button button-small button-danger"
                disabled={pending()}
                onClick={() => void remove()}
              >
                {pending() ? 'Removing…' : 'Yes, remove'}
              </button>
              <button
                ref={keepButton}
                type="button"
                class="button button-small button-quiet"
                disabled={pending()}
                onClick={() => setConfirming(false)}
              >
                Keep
              </button>
            </fieldset>
          </Show>
        </Show>
      </td>
    </tr>
  )
}

interface Filters {
  subject: string
  q: string
  asOf: string
  includeRemoved: boolean
}

function Entries(props: {
  list: List
  version: number
  canEdit: boolean
  onChanged: () => void
  notify: (notice: NoticeMessage) => void
}) {
  const [params, setParams] = useSearchParams<{
    subject?: string
    q?: string
    as_of?: string
    removed?: string
  }>()
  const applied = (): Filters => ({
    subject: params.subject ?? '',
    q: params.q ?? '',
    asOf: params.as_of ?? '',
    includeRemoved: params.removed === 'yes',
  })
  const [draft, setDraft] = createSignal<Filters>(applied())
  createEffect(on(applied, (a) => setDraft(a), { defer: true }))

  const search = (): EntrySearch => {
    const a = applied()
    return {
      subject: a.subject || undefined,
      q: a.q.trim() || undefined,
      as_of: fromLocalInput(a.asOf),
      include_removed: a.includeRemoved ? 'true' : undefined,
    }
  }
  const [page, { refetch }] = createResource(
    () => ({ listId: props.list.id, search: search(), version: props.version }),
    ({ listId, search }) => searchEntries(listId, search),
  )
  const [more, setMore] = createSignal<ListEntry[]>([])
  const [cursor, setCursor] = createSignal<string | null>(null)
  const [loadingMore, setLoadingMore] = createSignal(false)
  // a new first page (another search, or the same one fetched again) starts the list over
  createEffect(() => {
    if (page.state !== 'ready') return
    setMore([])
    setCursor(page().next_cursor)
  })
  const loadMore = async () => {
    const next = cursor()
    if (!next) return
    setLoadingMore(true)
    try {
      const further = await searchEntries(props.list.id, { ...search(), cursor: next })
      setMore((rows) => [...rows, ...further.entries])
      setCursor(further.next_cursor)
    } catch (failure) {
      props.notify({ kind: 'error', text: messageOf(failure) })
    } finally {
      setLoadingMore(false)
    }
  }

  const submit = (event: SubmitEvent) => {
    event.preventDefault()
    const d = draft()
    setParams({
      subject: d.subject || undefined,
      q: d.q.trim() || undefined,
      as_of: d.asOf || undefined,
      removed: d.includeRemoved ? 'yes' : undefined,
    })
    void refetch()
  }
  const clear = () => setParams({ subject: undefined, q: undefined, as_of: undefined, removed: undefined })
  const filtered = () => {
    const a = applied()
    return Boolean(a.subject || a.q || a.asOf || a.includeRemoved)
  }

  return (
    <>
      <search>
        <form class="filters" onSubmit={submit} aria-label="Search entries">
          <label class="field">
            <span class="field-label">Subject</span>
            <select
              name="subject"
              value={draft().subject}
              onChange={(e) => setDraft((d) => ({ ...d, subject: e.currentTarget.value }))}
            >
              <option value="">Any subject</option>
              <For each={listSubjects}>{(s) => <option value={s}>{subjectLabels[s]}</option>}</For>
            </select>
          </label>
          <label class="field field-grow">
            <span class="field-label">Value contains</span>
            <input
              name="q"
              type="search"
              placeholder="Part of a phone, e-mail, IP, name…"
              value={draft().q}
              onInput={(e) => setDraft((d) => ({ ...d, q: e.currentTarget.value }))}
            />
          </label>
          <label class="field">
            <span class="field-label">As of</span>
            <input
              name="as_of"
              type="datetime-local"
              value={draft().asOf}
              onInput={(e) => setDraft((d) => ({ ...d, asOf: e.currentTarget.value }))}
            />
          </label>
          <label class="field field-check">
            <input
              name="include_removed"
              type="checkbox"
              checked={draft().includeRemoved}
              onChange={(e) => setDraft((d) => ({ ...d, includeRemoved: e.currentTarget.checked }))}
            />
            <span>Include removed and expired</span>
          </label>
          <SearchActions filtered={filtered()} onClear={clear} />
        </form>
      </search>
      <Show when={applied().asOf}>
        <p class="alert alert-warning" role="status">
          Showing {props.list.name} as it was on {formatDateTime(fromLocalInput(applied().asOf))}.
        </p>
      </Show>
      <AsyncView resource={page} retry={refetch} loadingRows={8}>
        {(first) => (
          <Show
            when={first().entries.length > 0}
            fallback={
              <Empty title={filtered() ? 'No entries match' : 'This list is empty'}>
                {filtered()
                  ? 'Try another subject or part of the value, or clear the search.'
                  : props.canEdit
                    ? 'Add an entry or import a CSV to start it.'
                    : 'Entries appear here when analysts add or import them.'}
              </Empty>
            }
          >
            <div class="table-wrap">
              <table class="table" aria-label="Entries">
                <thead>
                  <tr>
                    <th scope="col">Subject</th>
                    <th scope="col">Value</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Source</th>
                    <th scope="col">Added</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={[...first().entries, ...more()]}>
                    {(entry) => (
                      <EntryRow
                        entry={entry}
                        canEdit={props.canEdit && !applied().asOf}
                        onRemoved={(removed) => {
                          props.notify({
                            kind: 'ok',
                            text: `Removed ${removed.value} (kept in the history).`,
                          })
                          props.onChanged()
                        }}
                        onError={(text) => props.notify({ kind: 'error', text })}
                      />
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <div class="pager">
              <span class="muted">
                {formatCount(first().entries.length + more().length)} shown
                {cursor() ? ', more below' : ''}
              </span>
              <Show when={cursor()}>
                <button type="button" class="button" disabled={loadingMore()} onClick={() => void loadMore()}>
                  {loadingMore() ? 'Loading…' : 'Load more'}
                </button>
              </Show>
            </div>
          </Show>
        )}
      </AsyncView>
    </>
  )
}

function SharingPanel() {
  const [sharing, { refetch, mutate }] = createResource(readSharing)
  const [pending, setPending] = createSignal(false)
  const [notice, setNotice] = createSignal<NoticeMessage>(null)
  const change = async (key: 'reads_shared' | 'contributes_shared', value: boolean) => {
    const current = sharing()
    if (!current) return
    setPending(true)
    setNotice(null)
    try {
      mutate(await writeSharing({ ...current, [key]: value }))
      setNotice({ kind: 'ok', text: 'Sharing saved.' })
    } catch (failure) {
      setNotice({ kind: 'error', text: messageOf(failure) })
    } finally {
      setPending(false)
    }
  }
  return (
    <section class="panel" aria-labelledby="sharing-heading">
      <header class="panel-header">
        <h2 id="sharing-heading">Shared lists</h2>
        <span class="muted">Administrators only</span>
      </header>
      <AsyncView resource={sharing} retry={refetch} loadingRows={2}>
        {(s) => (
          <div class="stack">
            <label class="field-check">
              <input
                type="checkbox"
                checked={s().reads_shared}
                disabled={pending()}
                onChange={(e) => void change('reads_shared', e.currentTarget.checked)}
              />
              <span>
                <strong>Read the shared lists.</strong> Decisions also check entries other members
                contributed; you see that a hit came from “another member”, never who.
              </span>
            </label>
            <label class="field-check">
              <input
                type="checkbox"
                checked={s().contributes_shared}
                disabled={pending()}
                onChange={(e) => void change('contributes_shared', e.currentTarget.checked)}
              />
              <span>
                <strong>Contribute to the shared lists.</strong> Reviewers’ blocks are copied there. Other
                members see the value, list, source and date — never your name, reasons or staff.
              </span>
            </label>
            <Notice notice={notice()} />
          </div>
        )}
      </AsyncView>
    </section>
  )
}

export default function ListsPage() {
  const [lists, { refetch: refetchLists }] = createResource(listLists)
  const [params, setParams] = useSearchParams<{ list?: string }>()
  const [panel, setPanel] = createSignal<'add' | 'import' | null>(null)
  const [notice, setNotice] = createSignal<NoticeMessage>(null)
  const [version, setVersion] = createSignal(0)
  const canEdit = () => can('analyst')

  const selected = (): List | undefined => {
    const all = lists.latest ?? []
    return all.find((l) => l.id === params.list) ?? all[0]
  }
  const changed = () => {
    setVersion((v) => v + 1)
    void refetchLists()
  }
  const choose = (id: string) => {
    setPanel(null)
    setNotice(null)
    setParams({ list: id, subject: undefined, q: undefined, as_of: undefined, removed: undefined })
  }

  return (
    <>
      <PageHeader
        title="Lists"
        subtitle="Negative and positive lists the rules check: phones, IPs, cards, e-mails, devices and more."
        actions={
          <Show when={selected()}>
            {(list) => (
              <>
                <Show when={!list().shared}>
                  <a class="button" href={exportHref(list().id)} download={`${list().id}.csv`}>
                    Export CSV
                  </a>
                </Show>
                <Show when={canEdit() && !list().shared}>
                  <button
                    type="button"
                    class="button"
                    aria-pressed={panel() === 'import'}
                    onClick={() => setPanel((p) => (p === 'import' ? null : 'import'))}
                  >
                    Import CSV
                  </button>
                  <button
                    type="button"
                    class="button button-primary"
                    aria-pressed={panel() === 'add'}
                    onClick={() => setPanel((p) => (p === 'add' ? null : 'add'))}
                  >
                    Add entry
                  </button>
                </Show>
              </>
            )}
          </Show>
        }
      />
      <AsyncView resource={lists} retry={refetchLists} loadingRows={6}>
        {(all) => (
          <Show when={all().length > 0} fallback={<Empty title="No lists yet" />}>
            <div class="stack">
              <nav class="list-tabs" aria-label="Lists">
                <For each={all()}>
                  {(list) => (
                    <button
                      type="button"
                      class="list-tab"
                      aria-current={selected()?.id === list.id ? 'page' : undefined}
                      onClick={() => choose(list.id)}
                    >
                      <span class="list-tab-name">{list.name}</span>
                      <span class="list-tab-meta">
                        <span class={`badge kind-${list.kind}`}>{list.kind}</span>
                        <Show when={list.shared}>
                          <span class="badge">shared</span>
                        </Show>
                        <span class="muted num">{formatCount(list.active_entries)}</span>
                      </span>
                    </button>
                  )}
                </For>
              </nav>
              <Notice notice={notice()} />
              {/* not keyed: a refetched list (new counts) must not reset an import in progress */}
              <Show when={selected()}>
                {(list) => (
                  <div class="stack">
                    <Show when={list().description || list().shared}>
                      <p class="muted">
                        {list().description}
                        {list().shared
                          ? ' Contributed by the members who share; entries from others show as “another member”.'
                          : ''}
                      </p>
                    </Show>
                    <Show when={!canEdit()}>
                      <p class="muted">Your role reads lists; analysts and above add, remove and import.</p>
                    </Show>
                    <Show when={panel() === 'add'}>
                      <AddEntryForm
                        list={list()}
                        onCancel={() => setPanel(null)}
                        onAdded={(entry) => {
                          setNotice({ kind: 'ok', text: `Added ${entry.value} to ${list().name}.` })
                          changed()
                        }}
                      />
                    </Show>
                    <Show when={panel() === 'import'}>
                      <ImportPanel
                        list={list()}
                        onClose={() => setPanel(null)}
                        onFinished={() => changed()}
                      />
                    </Show>
                    <Entries
                      list={list()}
                      version={version()}
                      canEdit={canEdit() && !list().shared}
                      onChanged={changed}
                      notify={setNotice}
                    />
                  </div>
                )}
              </Show>
              <Show when={can('admin')}>
                <SharingPanel />
              </Show>
            </div>
          </Show>
        )}
      </AsyncView>
    </>
  )
}
