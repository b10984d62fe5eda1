// Every command on an Event Socket gets exactly one answer, in order: a command/reply or, for `api`,
// an api/response — except that FreeSWITCH answers `api` with a command/reply when it refuses it
// (`-ERR command not found` on a socket without `full`). modesl keeps two separate callback queues
// for the two kinds, so one refused `api` would shift every later answer onto the wrong caller. One
// FIFO for both kinds keeps each answer with its command; events never enter it.
import type { Connection, Event as ModeslEvent } from 'drachtio-modesl'
import { EslTimeout } from './types.ts'

export interface Answer {
  kind: 'reply' | 'api'
  /** Reply-Text of a command/reply, the body of an api/response */
  text: string
  /** the whole frame, for the Job-UUID of a bgapi reply */
  frame: ModeslEvent
}

interface Waiting {
  resolve: (answer: Answer) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout | undefined
  settled: boolean
}

export class AnswerQueue {
  private readonly waiting: Waiting[] = []

  /** start only once the connection's own preamble (auth, CHANNEL_DATA) has been answered */
  constructor(private readonly connection: Connection) {
    connection.on('esl::event::command::reply', (frame: ModeslEvent) =>
      this.shift({ kind: 'reply', text: frame.getHeader('Reply-Text') ?? '', frame }),
    )
    connection.on('esl::event::api::response', (frame: ModeslEvent) =>
      this.shift({ kind: 'api', text: frame.getBody() ?? '', frame }),
    )
  }

  private shift(answer: Answer): void {
    const next = this.waiting.shift()
    if (!next || next.settled) return
    next.settled = true
    if (next.timer) clearTimeout(next.timer)
    next.resolve(answer)
  }

  /** writes one command frame and resolves with its answer */
  send(frame: string, timeoutMs: number, what: string): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      const socket = this.connection.socket
      if (!socket || socket.destroyed) {
        reject(new Error(`${what}: the Event Socket is closed`))
        return
      }
      const waiting: Waiting = { resolve, reject, timer: undefined, settled: false }
      // a late answer still takes its place in the queue: the entry stays, only the caller stops waiting
      waiting.timer = setTimeout(() => {
        if (waiting.settled) return
        waiting.settled = true
        reject(new EslTimeout(`${what}: no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting.push(waiting)
      socket.write(frame)
    })
  }

  failAll(error: Error): void {
    for (const waiting of this.waiting.splice(0)) {
      if (waiting.settled) continue
      waiting.settled = true
      if (waiting.timer) clearTimeout(waiting.timer)
      waiting.reject(error)
    }
  }
}

/** `name\nheader: value\n…\n\n`, or with a body when given */
export function commandFrame(line: string, headers: Record<string, string> = {}, body?: string): string {
  let frame = `${line}\n`
  for (const [name, value] of Object.entries(headers)) frame += `${name}: ${value}\n`
  if (body === undefined) return `${frame}\n`
  return `${frame}content-type: text/plain\ncontent-length: ${Buffer.byteLength(body)}\n\n${body}`
}
