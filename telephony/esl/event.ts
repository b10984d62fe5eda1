// EslEvent over modesl's parsed frames, and the fixes the facade applies to modesl's parser.
import modesl, { type FrameHeaders, type Event as ModeslEvent } from 'drachtio-modesl'
import type { EslEvent } from './types.ts'

class DecodedEvent implements EslEvent {
  constructor(
    readonly headers: Readonly<Record<string, string>>,
    readonly body: string | undefined,
  ) {}

  get name(): string {
    return this.headers['Event-Name'] ?? ''
  }

  get subclass(): string | undefined {
    return this.headers['Event-Subclass']
  }

  get(header: string): string | undefined {
    return this.headers[header]
  }

  variable(name: string): string | undefined {
    return this.headers[`variable_${name}`]
  }

  get at(): Date {
    const micros = Number(this.headers['Event-Date-Timestamp'])
    return Number.isFinite(micros) && micros > 0 ? new Date(Math.floor(micros / 1000)) : new Date(Number.NaN)
  }
}

/** an EslEvent from headers already decoded (tests, and the listener's CHANNEL_DATA) */
export function eslEvent(headers: Record<string, string>, body?: string): EslEvent {
  return new DecodedEvent(headers, body === '' ? undefined : body)
}

export function fromModesl(event: ModeslEvent): EslEvent {
  const headers: Record<string, string> = {}
  for (const header of event.headers) {
    const value = header.value
    headers[header.name] = Array.isArray(value) ? value.join('|') : String(value)
  }
  return eslEvent(headers, event.body || undefined)
}

/** the frame's own Content-Type (event frames, command/reply, api/response, text/disconnect-notice) */
// modesl also re-emits under esl::event::… names of its own (auth::success …) without the frame
export function contentType(frame: FrameHeaders | undefined): string {
  return String(frame?.['Content-Type'] ?? '')
}

export function isEventFrame(frame: FrameHeaders | undefined): boolean {
  return contentType(frame).startsWith('text/event-')
}

// modesl decodes every header value with decodeURIComponent, which throws on a %-sequence that is not
// UTF-8 (a Latin-1 caller name from a SIP header, say) — inside the socket's data handler, so the whole
// process would die. Decode what can be decoded and keep the rest as sent.
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run)
      } catch {
        return run
      }
    })
  }
}

let patched = false
export function patchModeslParser(): void {
  if (patched) return
  patched = true
  modesl.Parser.prototype._parseHeaderText = (text: string) => {
    const headers: Record<string, string | number> = {}
    for (const line of text.split('\n')) {
      const separator = line.indexOf(': ')
      const key = separator === -1 ? line : line.slice(0, separator)
      const value = separator === -1 ? '' : safeDecode(line.slice(separator + 2))
      if (key === '') continue
      headers[key] = key === 'Content-Length' ? Number.parseInt(value, 10) : value
    }
    return headers
  }
}
