// Audit log (admin): newest first, a page at a time, each change with its before and after.
import { useSearchParams } from '@solidjs/router'
import { createResource, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import { formatDateTime, formatValue } from '../../lib/format.ts'
import { type AuditEntry, type AuditFieldChange, type AuditRuleRef, readAudit } from './api.ts'

/** a value as a line of text, cut short: a field may hold a long description */
function shown(value: unknown): string {
  const text = formatValue(value)
  return text.length > 160 ? `${text.slice(0, 159)}…` : text
}

const fieldWords = (field: string) => field.replaceAll('_', ' ').replaceAll('.', ' › ')

const ruleName = (rule: AuditRuleRef) => rule.name ?? rule.id

function FieldChanges(props: { changes: AuditFieldChange[] }) {
  return (
    <For each={props.changes}>
      {(c) => (
        <li>
          <span class="muted">{fieldWords(c.field)}:</span>{' '}
          {/* a field set where there was none reads as its value alone */}
          <Show when={c.before !== null}>{shown(c.before)} → </Show>
          <strong>{c.after === null ? '—' : shown(c.after)}</strong>
        </li>
      )}
    </For>
  )
}

/** The entry's change as lines: fields that changed, then rules added, removed and changed. */
function Changes(props: { entry: AuditEntry }) {
  const rules = () => props.entry.rules
  const nothing = () =>
    props.entry.changes.length === 0 &&
    !rules()?.added.length &&
    !rules()?.removed.length &&
    !rules()?.changed.length
  return (
    <Show when={!nothing()} fallback={<span class="muted">—</span>}>
      <ul class="changes" data-testid="audit-changes">
        <FieldChanges changes={props.entry.changes} />
        <Show when={rules()}>
          {(r) => (
            <>
              <Show when={r().added.length}>
                <li>
                  <span class="muted">rules added:</span> {r().added.map(ruleName).join(', ')}
                </li>
              </Show>
              <Show when={r().removed.length}>
                <li>
                  <span class="muted">rules removed:</span> {r().removed.map(ruleName).join(', ')}
                </li>
              </Show>
              <For each={r().changed}>
                {(rule) => (
                  <li>
                    <span class="muted">rule changed:</span> <strong>{ruleName(rule)}</strong>
                    <ul class="changes nested">
                      <FieldChanges changes={rule.changes} />
                    </ul>
                  </li>
                )}
              </For>
            </>
          )}
        </Show>
      </ul>
    </Show>
  )
}

export default function AuditPage() {
  // the page is addressed by the cursor, so back and forward walk the pages too
  const [params, setParams] = useSearchParams<{ before: string }>()
  const before = () => {
    const value = Number(params.before)
    return Number.isInteger(value) && value > 0 ? value : undefined
  }
  const [page, { refetch }] = createResource(
    () => before() ?? 0,
    (cursor) => readAudit(cursor || undefined),
  )
  // reading an errored resource throws, so the pager looks only at a page that arrived
  const older = () => (page.state === 'ready' ? page().next_before : null)

  return (
    <>
      <PageHeader
        title="Audit log"
        subtitle="Every change to users, rule sets and settings: who, when, what."
      />
      <AsyncView resource={page} retry={refetch} loadingRows={8}>
        {(p) => (
          <Show when={p().entries.length > 0} fallback={<Empty title="Nothing has been changed yet" />}>
            <div class="table-wrap">
              <table class="table" aria-label="Audit log">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Who</th>
                    <th scope="col">What</th>
                    <th scope="col">On</th>
                    <th scope="col">Changes</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={p().entries}>
                    {(entry) => (
                      <tr data-testid="audit-entry">
                        <td class="nowrap">{formatDateTime(entry.at)}</td>
                        <td class="cell-lines">
                          <Show when={entry.actor.name} fallback={entry.actor.email ?? 'system'}>
                            {(name) => (
                              <>
                                <span>{name()}</span>
                                <span class="muted">{entry.actor.email}</span>
                              </>
                            )}
                          </Show>
                        </td>
                        <td class="mono">{entry.action}</td>
                        <td>
                          {entry.entity_type.replaceAll('_', ' ')}{' '}
                          <Show
                            when={entry.entity_label}
                            fallback={<span class="mono muted">{entry.entity_id}</span>}
                          >
                            {(label) => <strong title={entry.entity_id}>{label()}</strong>}
                          </Show>
                        </td>
                        <td>
                          <Changes entry={entry} />
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </AsyncView>
      <nav class="pager" aria-label="Audit pages">
        <button
          type="button"
          class="button"
          disabled={before() === undefined}
          onClick={() => setParams({ before: undefined })}
        >
          Newest
        </button>
        <button
          type="button"
          class="button"
          disabled={!older()}
          onClick={() => setParams({ before: String(older()) })}
        >
          Older
        </button>
      </nav>
    </>
  )
}
