// The Event Socket's bytes as FreeSWITCH 1.10 writes them (switch_event.c, switch_utils.c,
// mod_event_socket.c): URL-encoding of plain event headers, the plain and JSON serialisations, and
// a reader for the commands a client sends.

// switch_utils.h SWITCH_URL_UNSAFE; bytes below space or above '~' are encoded too.
const unsafe = new Set('\r\n #%&+:;<=>?@[\\]^`{|}"'.split(''))
const hex = '0123456789ABCDEF'
const isHex = (byte: number | undefined) =>
  byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46))

/**
 * switch_url_encode (double_encode off): a '%' already followed by two upper-case hex digits is
 * left alone, as FreeSWITCH does — so "100%41" reaches a client as "100A" once decoded.
 */
export function urlEncode(value: string): string {
  const bytes = Buffer.from(value, 'utf8')
  let out = ''
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number
    const char = String.fromCharCode(byte)
    const escapedAlready = char === '%' && isHex(bytes[i + 1]) && isHex(bytes[i + 2])
    if (!escapedAlready && (byte < 0x20 || byte > 0x7e || unsafe.has(char)))
      out += `%${hex[byte >> 4]}${hex[byte & 0x0f]}`
    else out += char
  }
  return out
}

export type Headers = ReadonlyArray<readonly [string, string]>

/** switch_event_serialize(event, encode=TRUE): `Name: value\n` …, then `Content-Length: N\n\nbody` or `\n`. */
export function serializePlain(headers: Headers, body?: string): string {
  let out = ''
  for (const [name, value] of headers) {
    const encoded = urlEncode(value)
    out += `${name}: ${encoded === '' ? '_undef_' : encoded}\n`
  }
  if (body) return `${out}Content-Length: ${Buffer.byteLength(body)}\n\n${body}`
  return `${out}\n`
}

/** switch_event_serialize_json: values as strings, a body as Content-Length + _body. */
export function serializeJson(headers: Headers, body?: string): string {
  const object: Record<string, string> = {}
  for (const [name, value] of headers) object[name] = value
  if (body !== undefined) {
    object['Content-Length'] = String(Buffer.byteLength(body))
    object._body = body
  }
  return JSON.stringify(object)
}

/** An event frame as mod_event_socket sends it: Content-Length and Content-Type, then the serialisation. */
export function eventFrame(format: 'plain' | 'json', headers: Headers, body?: string): string {
  const text = format === 'plain' ? serializePlain(headers, body) : serializeJson(headers, body)
  return `Content-Length: ${Buffer.byteLength(text)}\nContent-Type: text/event-${format}\n\n${text}`
}

export function commandReply(replyText: string): string {
  return `Content-Type: command/reply\nReply-Text: ${replyText}\n\n`
}

export function apiResponse(text: string): string {
  return `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(text)}\n\n${text}`
}

/** One command a client sent: its first line, its headers (sendmsg's call-command …) and body. */
export interface ClientCommand {
  line: string
  headers: Map<string, string>
  body: string | undefined
}

/**
 * Splits a client's byte stream into commands: lines up to a blank line, then Content-Length bytes
 * of body. Leading CR/LF before a command is skipped; CRs are stripped like strip_cr does.
 */
export class CommandReader {
  private buffer = Buffer.alloc(0)

  push(chunk: Buffer): ClientCommand[] {
    this.buffer = Buffer.concat([this.buffer, chunk])
    const commands: ClientCommand[] = []
    for (;;) {
      let start = 0
      while (start < this.buffer.length && (this.buffer[start] === 0x0a || this.buffer[start] === 0x0d))
        start++
      if (start > 0) this.buffer = this.buffer.subarray(start)
      const end = this.headerEnd()
      if (end === -1) break
      const text = this.buffer.subarray(0, end.at).toString('utf8').replace(/\r/g, '')
      const [line = '', ...rest] = text.split('\n')
      const headers = new Map<string, string>()
      for (const header of rest) {
        const colon = header.indexOf(':')
        if (colon <= 0) continue
        headers.set(header.slice(0, colon).trim().toLowerCase(), header.slice(colon + 1).trim())
      }
      const length = Number(headers.get('content-length') ?? 0)
      const bodyStart = end.at + end.size
      if (this.buffer.length < bodyStart + length) break
      const body =
        length > 0 ? this.buffer.subarray(bodyStart, bodyStart + length).toString('utf8') : undefined
      this.buffer = this.buffer.subarray(bodyStart + length)
      commands.push({ line: line.trim(), headers, body })
    }
    return commands
  }

  private headerEnd(): { at: number; size: number } | -1 {
    const text = this.buffer.toString('latin1')
    const lf = text.indexOf('\n\n')
    const crlf = text.indexOf('\r\n\r\n')
    if (lf === -1 && crlf === -1) return -1
    if (crlf !== -1 && (lf === -1 || crlf < lf)) return { at: crlf, size: 4 }
    return { at: lf, size: 2 }
  }
}
