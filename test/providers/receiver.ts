// A real HTTP receiver on 127.0.0.1 (a random port) standing in for an outside data provider:
// it counts the requests it gets and answers as each test says — a delay, a status, a body.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A credit bureau's answer that verifies the person, as the sandbox would give it. */
export const verifiedIdentity = {
  identity_verified: true,
  score_band: 'good',
  address_match: 'full',
  age_band: '35-44',
  income_band: 'middle',
  designator: null,
} as const

export interface ReceivedRequest {
  path: string
  headers: IncomingMessage['headers']
  body: unknown
  at: number
}

/** body is sent as JSON; raw, when given, is sent as it is (for answers that are not JSON) */
export type Reply = { status: number; body?: unknown; raw?: string; delayMs?: number }

export interface Receiver {
  url: string
  requests: ReceivedRequest[]
  /** how the next requests are answered; the default answers 200 with `answer` */
  respond(handler: (request: ReceivedRequest, index: number) => Reply): void
  close(): Promise<void>
}

export async function startReceiver(answer: unknown): Promise<Receiver> {
  const requests: ReceivedRequest[] = []
  let handler: (request: ReceivedRequest, index: number) => Reply = () => ({ status: 200, body: { answer } })
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const request: ReceivedRequest = {
        path: req.url ?? '/',
        headers: req.headers,
        body: text ? JSON.parse(text) : null,
        at: Date.now(),
      }
      requests.push(request)
      const reply = handler(request, requests.length - 1)
      const send = () => {
        if (res.destroyed) return
        res.writeHead(reply.status, { 'content-type': 'application/json' })
        res.end(reply.raw ?? JSON.stringify(reply.body ?? {}))
      }
      if (reply.delayMs) {
        const timer = setTimeout(send, reply.delayMs)
        res.on('close', () => clearTimeout(timer))
      } else send()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(next) {
      handler = next
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
