// The Event Socket facade: what the bridge and its flows import.
export { aniOf } from './ani.ts'
export { loggableEvent } from './channel.ts'
export {
  connectEslControl,
  defaultControlEvents,
  type EslControlOptions,
  EslDisconnected,
} from './control.ts'
export { createEslListener, type EslListenerOptions } from './listener.ts'
export { redactEvent } from './redact.ts'
export * from './types.ts'
