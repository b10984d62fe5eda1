// What an Event Socket event may show in a log. FreeSWITCH repeats every channel variable in every
// later event (variable_*), so the digits a caller keys for a card, an expiry or a postal code would
// otherwise travel into the logs long after the prompt; DTMF events carry each key too.
import type { EslEvent } from './types.ts'

export const redacted = '[redacted]'

// variable names that hold payment or address data whatever the flow called them
const sensitiveName = /(^|_)(card\w*|pan|cvc|cvv|cc|expir\w*|postal\w*|zip\w*|secret\w*|pin|password)(_|$)/i

export interface RedactionContext {
  /** channel variables a secret prompt wrote on this channel (and their `_invalid` twins) */
  secretVariables?: ReadonlySet<string>
  /** a secret prompt is collecting keys: DTMF digits are not shown */
  secretPromptActive?: boolean
  /**
   * leave every variable_* header out: for a connection that sees all channels' events (the inbound
   * control) and cannot know which prompt on which channel is secret
   */
  dropVariables?: boolean
}

function isSecretVariable(name: string, context: RedactionContext): boolean {
  if (sensitiveName.test(name)) return true
  const base = name.endsWith('_invalid') ? name.slice(0, -'_invalid'.length) : name
  return context.secretVariables?.has(base) === true || context.secretVariables?.has(name) === true
}

/** A copy of the event's headers fit for a log line; the event itself is left as it is. */
export function redactEvent(event: EslEvent, context: RedactionContext = {}): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(event.headers)) {
    if (context.dropVariables && name.startsWith('variable_')) continue
    if (name.startsWith('variable_') && isSecretVariable(name.slice('variable_'.length), context))
      out[name] = redacted
    else if (name === 'DTMF-Digit' && context.secretPromptActive) out[name] = redacted
    else if (name === 'Application-Data' && secretAppData(event.get('Application'), value, context))
      out[name] = redacted
    // FreeSWITCH keeps the running app's data as a variable too, repeated in the events that follow
    else if (
      name === 'variable_current_application_data' &&
      secretAppData(event.variable('current_application'), value, context)
    )
      out[name] = redacted
    else out[name] = value
  }
  // a body (api output, a BACKGROUND_JOB) never carries caller keys; keep it short in logs
  if (event.body !== undefined)
    out._body = event.body.length > 200 ? `${event.body.slice(0, 200)}…` : event.body
  return out
}

// `set card_number=4242…` or `export`/`multiset` of one would show the value in Application-Data
function secretAppData(app: string | undefined, data: string, context: RedactionContext): boolean {
  if (app !== 'set' && app !== 'export' && app !== 'multiset' && app !== 'unset') return false
  return data
    .split(/[ ^]/)
    .some(
      (assignment) => isSecretVariable(assignment.split('=')[0] ?? '', context) && assignment.includes('='),
    )
}
