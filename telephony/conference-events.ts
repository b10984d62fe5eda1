// conference::maintenance events from the inbound connection, handed to the call whose conference
// they are about. One listener per connection, whatever the number of calls: a process with 200
// conferences would otherwise run 200 filters over every event.
import type { EslControl, EslEvent } from './esl/types.ts'

export const CONFERENCE_MAINTENANCE = 'conference::maintenance'

type Listener = (event: EslEvent) => void

const routers = new WeakMap<EslControl, Map<string, Set<Listener>>>()

function routerOf(control: EslControl): Map<string, Set<Listener>> {
  let byName = routers.get(control)
  if (!byName) {
    const created = new Map<string, Set<Listener>>()
    control.onEvent((event) => {
      if (event.name !== 'CUSTOM' || event.subclass !== CONFERENCE_MAINTENANCE) return
      const name = event.get('Conference-Name')
      const listeners = name === undefined ? undefined : created.get(name)
      if (listeners) for (const listener of [...listeners]) listener(event)
    })
    routers.set(control, created)
    byName = created
  }
  return byName
}

/** Calls `listener` with each conference::maintenance event of the conference `name`; returns the unsubscribe. */
export function watchConference(control: EslControl, name: string, listener: Listener): () => void {
  const byName = routerOf(control)
  let listeners = byName.get(name)
  if (!listeners) {
    listeners = new Set()
    byName.set(name, listeners)
  }
  listeners.add(listener)
  return () => {
    const current = byName.get(name)
    if (!current) return
    current.delete(listener)
    if (!current.size) byName.delete(name)
  }
}
