// The wallboard: representatives by state, each phone line's queue (callers waiting, the longest
// wait, the wait the newest caller was told) and the live conferences with their timers. It stays
// current without a reload: the server pushes the board whenever it changes, and the timers tick
// here every second from the times on the board.
import { createSignal, For, onCleanup, onMount, Show } from 'solid-js'
import { PageHeader } from '../../components/PageHeader.tsx'
import { Empty, ErrorState, Loading } from '../../components/states.tsx'
import { type FeedState, openWallboardFeed, readWallboard, type Wallboard } from './api.ts'
import './wallboard.css'

export const stateLabels: Record<string, string> = {
  available: 'Available',
  reserved: 'Ringing',
  on_call: 'On a call',
  wrap_up: 'Wrap-up',
  break: 'On a break',
  offline: 'Logged out',
}
const tileStates = ['available', 'reserved', 'on_call', 'wrap_up', 'break', 'offline'] as const

/** 75 → "1:15", 3725 → "1:02:05" */
export function clock(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—'
  const s = Math.max(0, Math.floor(seconds))
  const hours = Math.floor(s / 3600)
  const minutes = Math.floor((s % 3600) / 60)
  const rest = String(s % 60).padStart(2, '0')
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`
}

const feedText: Record<FeedState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
}

export default function WallboardPage() {
  const [board, setBoard] = createSignal<Wallboard | null>(null)
  const [error, setError] = createSignal<unknown>(null)
  const [feed, setFeed] = createSignal<FeedState>('connecting')
  // the page's own clock: timers run between pushes; offset corrects for the browser's clock
  const [now, setNow] = createSignal(Date.now())
  const [offset, setOffset] = createSignal(0)

  const receive = (next: Wallboard) => {
    setOffset(Date.parse(next.at) - Date.now())
    setBoard(next)
    setError(null)
  }
  const since = (iso: string | null | undefined) => (iso ? (now() + offset() - Date.parse(iso)) / 1000 : null)

  onMount(() => {
    // the first board comes over the feed; the snapshot covers a browser slow to open it
    readWallboard()
      .then((first) => {
        if (!board()) receive(first)
      })
      .catch(setError)
    const close = openWallboardFeed({ onBoard: receive, onState: setFeed })
    const timer = setInterval(() => setNow(Date.now()), 1000)
    onCleanup(() => {
      close()
      clearInterval(timer)
    })
  })

  return (
    <>
      <PageHeader
        title="Wallboard"
        subtitle="Representatives, queues and live calls, as they happen."
        actions={
          <span class="feed-state" classList={{ 'feed-live': feed() === 'live' }} data-testid="feed-state">
            {feedText[feed()]}
          </span>
        }
      />
      <Show when={board()} fallback={error() ? <ErrorState error={error()} /> : <Loading rows={6} />}>
        {(current) => (
          <>
            <section class="tiles" aria-label="Representatives by state">
              <For each={tileStates}>
                {(state) => (
                  <div class="tile" data-testid={`count-${state}`}>
                    <span class="tile-label">{stateLabels[state]}</span>
                    <span class="tile-value">{current().counts[state]}</span>
                  </div>
                )}
              </For>
            </section>

            <section class="wallboard-section" aria-labelledby="queues-heading">
              <h2 id="queues-heading">Queues</h2>
              <Show when={current().queues.length > 0} fallback={<Empty title="No phone lines on sale" />}>
                <div class="table-wrap">
                  <table class="table" aria-label="Queues">
                    <thead>
                      <tr>
                        <th scope="col">Line</th>
                        <th scope="col">Representatives per call</th>
                        <th scope="col">Serving</th>
                        <th scope="col">In the IVR</th>
                        <th scope="col">Waiting</th>
                        <th scope="col">Longest wait</th>
                        <th scope="col">Estimated wait</th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={current().queues}>
                        {(queue) => (
                          <tr data-testid={`queue-${queue.service_line_id}`}>
                            <td>{queue.name}</td>
                            <td>{queue.representatives_per_call}</td>
                            <td>{queue.representatives_serving ?? '—'}</td>
                            <td>{queue.in_ivr}</td>
                            <td>
                              <strong>{queue.waiting}</strong>
                            </td>
                            <td class="timer">
                              {queue.longest_wait_seconds === null
                                ? '—'
                                : clock(queue.longest_wait_seconds + Math.max(0, since(current().at) ?? 0))}
                            </td>
                            <td class="timer">
                              {queue.estimated_wait_seconds === null
                                ? '—'
                                : clock(queue.estimated_wait_seconds)}
                            </td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
              </Show>
            </section>

            <section class="wallboard-section" aria-labelledby="calls-heading">
              <h2 id="calls-heading">Live calls</h2>
              <Show
                when={current().conferences.length > 0}
                fallback={<Empty title="No calls connected right now" />}
              >
                <div class="table-wrap">
                  <table class="table" aria-label="Live calls">
                    <thead>
                      <tr>
                        <th scope="col">Line</th>
                        <th scope="col">Call</th>
                        <th scope="col">Status</th>
                        <th scope="col">Billed for</th>
                        <th scope="col">Representatives</th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={current().conferences}>
                        {(call) => (
                          <tr data-testid={`call-${call.call_id}`}>
                            <td>{call.line_name ?? '—'}</td>
                            <td class="mono">{call.call_id}</td>
                            <td>
                              <span
                                class="badge"
                                classList={{ 'presence-on_call': call.stage === 'conference' }}
                              >
                                {call.stage === 'conference' ? 'Connected' : 'Ringing representatives'}
                              </span>
                            </td>
                            <td class="timer">{clock(since(call.connected_at))}</td>
                            <td>{call.representatives.map((r) => r.name).join(', ') || '—'}</td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
              </Show>
            </section>

            <section class="wallboard-section" aria-labelledby="people-heading">
              <h2 id="people-heading">Representatives</h2>
              <Show
                when={current().representatives.length > 0}
                fallback={<Empty title="No representatives yet" />}
              >
                <div class="table-wrap">
                  <table class="table" aria-label="Representatives on the wallboard">
                    <thead>
                      <tr>
                        <th scope="col">Representative</th>
                        <th scope="col">Extension</th>
                        <th scope="col">State</th>
                        <th scope="col">For</th>
                        <th scope="col">Queues</th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={current().representatives}>
                        {(person) => (
                          <tr data-testid={`board-${person.id}`}>
                            <td>{person.name}</td>
                            <td>{person.extension}</td>
                            <td>
                              <span class={`badge presence-${person.state}`}>
                                {stateLabels[person.state]}
                              </span>
                            </td>
                            <td class="timer">
                              {person.state === 'offline' ? '—' : clock(since(person.state_changed_at))}
                            </td>
                            <td>{person.queues.join(', ') || '—'}</td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
              </Show>
            </section>
          </>
        )}
      </Show>
    </>
  )
}
