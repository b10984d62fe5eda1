// The do-not-call list on the Campaigns page: the numbers no campaign calls, whether staff added
// them or the customer asked by key during a call. Everyone sees them; editors add and remove.
import { createResource, createSignal, For, Show } from 'solid-js'
import { Empty, ErrorState, Loading, Notice } from '../../components/states.tsx'
import { formatDateTime } from '../../lib/format.ts'
import { can } from '../../lib/session.ts'
import { createSubmission, FormProblem, SubmitActions, TextField } from '../../lib/submission.tsx'
import { addDoNotCall, type DoNotCallEntry, listDoNotCall, removeDoNotCall } from './api.ts'

/** Who put the number on the list, in words. */
const sourceText = (source: string) =>
  source === 'staff' ? 'Added by staff' : source.startsWith('campaign:') ? 'Asked during a call' : source

export function DoNotCall() {
  const [numbers, { mutate, refetch }] = createResource(listDoNotCall)
  const [phone, setPhone] = createSignal('')
  const [notice, setNotice] = createSignal<{ kind: 'ok' | 'error'; text: string } | null>(null)
  const { pending, error, run, fieldError } = createSubmission()

  const add = (event: SubmitEvent) => {
    event.preventDefault()
    void run(async () => {
      const added = await addDoNotCall(phone())
      mutate((list) => [added, ...(list ?? [])])
      setPhone('')
      setNotice({ kind: 'ok', text: `${added.phone} will not be called.` })
    })
  }
  const remove = async (entry: DoNotCallEntry) => {
    try {
      await removeDoNotCall(entry.phone)
      mutate((list) => (list ?? []).filter((n) => n.phone !== entry.phone))
      setNotice({ kind: 'ok', text: `${entry.phone} may be called again.` })
    } catch (failure) {
      setNotice({ kind: 'error', text: failure instanceof Error ? failure.message : String(failure) })
    }
  }

  return (
    <section class="panel" aria-labelledby="do-not-call">
      <header class="panel-header">
        <h2 id="do-not-call">Do not call</h2>
        <p class="muted">
          No campaign calls these numbers. Customers who press the key to stop calls are added here by
          themselves.
        </p>
      </header>
      <Notice notice={notice()} testId="do-not-call-notice" />
      <Show when={can('editor')}>
        <form onSubmit={add} aria-label="Add a number not to call">
          <FormProblem error={error()} />
          <div class="form-grid">
            <TextField
              label="Phone number"
              name="do_not_call_phone"
              required
              inputMode="tel"
              value={phone()}
              onInput={setPhone}
              error={fieldError('phone')}
              hint="With the country code, such as +1 555 555 0100"
            />
          </div>
          <SubmitActions pending={pending()} label="Add number" pendingLabel="Adding…" />
        </form>
      </Show>
      {/* a failed read throws from numbers.latest, so the error is checked first */}
      <Show when={numbers.error}>
        <ErrorState error={numbers.error} retry={() => void refetch()} />
      </Show>
      <Show
        when={!numbers.error && numbers.latest}
        fallback={<Show when={!numbers.error}>{<Loading />}</Show>}
      >
        {(list) => (
          <Show when={list().length > 0} fallback={<Empty title="No numbers on the list" />}>
            <div class="table-wrap">
              <table class="table" aria-label="Numbers not to call">
                <thead>
                  <tr>
                    <th scope="col">Number</th>
                    <th scope="col">Why</th>
                    <th scope="col">Added</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(entry) => (
                      <tr data-testid={`do-not-call-${entry.phone}`}>
                        <td class="nowrap">{entry.phone}</td>
                        <td>{sourceText(entry.source)}</td>
                        <td class="nowrap">{formatDateTime(entry.added_at)}</td>
                        <td class="actions">
                          <Show when={can('editor')}>
                            <button
                              type="button"
                              class="button button-small"
                              aria-label={`Remove ${entry.phone}`}
                              onClick={() => void remove(entry)}
                            >
                              Remove
                            </button>
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
      </Show>
    </section>
  )
}
