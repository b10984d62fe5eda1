// Audit log (admin): newest first, a page at a time, each change with its before and after.
import { useSearchParams } from '@solidjs/router'
import { createResource, For, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { AsyncView, Empty } from '../../components/states.tsx'
import { formatDateTime, formatValue } from '../../lib/format.ts'
import { readAudit } from './api.ts'

function changes(before: unknown, after: unknown): { field: string; from: string; to: string }[] {
  const asRecord = (value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
  const b = asRecord(before)
  const a = asRecord(after)
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])]
  return fields
    .filter((field) => JSON.stringify(b[field]) !== JSON.stringify(a[field]))
    .map((field) => ({
      field,
      from: field in b ? formatValue(b[field]) : '—',
      to: field in a ? formatValue(a[field]) : '—',
    }))
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
                      <tr>
                        <td class="nowrap">{formatDateTime(entry.at)}</td>
                        <td>{entry.actor.email ?? 'system'}</td>
                        <td class="mono">{entry.action}</td>
                        <td>
                          {entry.entity_type} <span class="mono muted">{entry.entity_id}</span>
                        </td>
                        <td>
                          <Show
                            when={changes(entry.before, entry.after).length > 0}
                            fallback={<span class="muted">—</span>}
                          >
                            <ul class="changes">
                              <For each={changes(entry.before, entry.after)}>
                                {(c) => (
                                  <li>
                                    <span class="muted">{c.field}:</span> {c.from} → <strong>{c.to}</strong>
                                  </li>
                                )}
                              </For>
                            </ul>
                          </Show>
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
