// The wallboard: one snapshot, and the live feed (server-sent events) that sends the whole board
// again whenever it changes. EventSource reconnects by itself; the first event after a reconnect
// is the whole board, so nothing is missed.
import type { Schema } from '../../api/types.ts'
import { API_BASE, api } from '../../lib/api.ts'

export type Wallboard = Schema<'Wallboard'>

export const readWallboard = () => api.get<Wallboard>('/wallboard')

export type FeedState = 'connecting' | 'live' | 'reconnecting'

/** Opens the live feed; returns the close function. */
export function openWallboardFeed(handlers: {
  onBoard: (board: Wallboard) => void
  onState: (state: FeedState) => void
}): () => void {
  const source = new EventSource(`${API_BASE}/wallboard/events`, { withCredentials: true })
  handlers.onState('connecting')
  source.addEventListener('wallboard', (event) => {
    handlers.onState('live')
    handlers.onBoard(JSON.parse((event as MessageEvent<string>).data) as Wallboard)
  })
  source.onerror = () =>
    handlers.onState(source.readyState === EventSource.CLOSED ? 'reconnecting' : 'reconnecting')
  return () => source.close()
}
