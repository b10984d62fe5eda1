// The bench's open-loop generator against a small local server: it sends the whole schedule,
// tells answers from failures, and counts a request's latency from when it was due, so a server
// that stalls shows the stall in p99 even though the generator could not send meanwhile.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { openLoop } from './open-loop.ts'

let server: Server | undefined
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve))
  server = undefined
})

async function serve(
  handle: (body: string, n: number) => { status: number; delayMs?: number },
): Promise<string> {
  let n = 0
  const listening = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      const { status, delayMs = 0 } = handle(body, n++)
      setTimeout(() => {
        const answer = JSON.stringify({ echoed: body.length })
        // as the Tollgate server answers: with a Content-Length, which is all the generator reads
        response.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(answer),
        })
        response.end(answer)
      }, delayMs)
    })
  })
  server = listening
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`
}

const request = (i: { n: number }) => () => ({
  path: '/v1/authorizations',
  headers: { 'content-type': 'application/json', 'idempotency-key': `k-${i.n++}` },
  body: JSON.stringify({ n: i.n }),
})

describe('openLoop', () => {
  it('sends rate × seconds requests with their bodies and counts the 2xx answers', async () => {
    const bodies: string[] = []
    const url = await serve((body, n) => {
      bodies.push(body)
      return { status: n % 10 === 9 ? 503 : 201 }
    })
    const result = await openLoop({ url, rate: 200, seconds: 1, request: request({ n: 0 }) })
    expect(result.sent).toBe(200)
    expect(result.ok).toBe(180)
    expect(result.failed).toBe(20)
    expect(result.failures).toEqual({ 'status 503': 20 })
    expect(bodies).toHaveLength(200)
    expect(new Set(bodies).size).toBe(200)
    expect(result.seconds).toBeGreaterThanOrEqual(0.99)
  })

  it('counts latency from when a request was due, not from when it could be sent', async () => {
    // one connection, and the first answer takes 300 ms: everything due meanwhile waits behind it
    const url = await serve((_body, n) => ({ status: 200, delayMs: n === 0 ? 300 : 0 }))
    const result = await openLoop({ url, rate: 100, seconds: 1, request: request({ n: 0 }), connections: 1 })
    expect(result.ok).toBe(100)
    // the requests due at 10, 20 … 290 ms were answered only after 300 ms: about 30 % wait 10–290 ms
    expect(result.max).toBeGreaterThanOrEqual(295)
    expect(result.p99).toBeGreaterThan(250)
    expect(result.p50).toBeLessThan(50)
  })

  it('retires a connection idle past maxIdleMs instead of writing to it again', async () => {
    // Node's server closes keep-alive connections idle for 5 s; a request written as it does so is
    // lost. Requests 250 ms apart with maxIdleMs 100 each get a fresh connection; with the default
    // (4 s) one connection serves them all.
    const url = await serve(() => ({ status: 200 }))
    const sockets = new Set<unknown>()
    server?.on('connection', (socket) => sockets.add(socket))
    const result = await openLoop({ url, rate: 4, seconds: 1, maxIdleMs: 100, request: request({ n: 0 }) })
    expect(result.ok).toBe(4)
    expect(result.failures).toEqual({})
    expect(sockets.size).toBe(4)

    sockets.clear()
    const kept = await openLoop({ url, rate: 4, seconds: 1, request: request({ n: 0 }) })
    expect(kept.ok).toBe(4)
    expect(sockets.size).toBe(1)
  })

  it('names the failures it cannot read a status for', async () => {
    const url = await serve(() => ({ status: 200 }))
    if (!server) throw new Error('no server')
    // every connection is cut as soon as a request arrives
    server.on('request', (request) => request.socket.destroy())
    const result = await openLoop({ url, rate: 20, seconds: 0.5, request: request({ n: 0 }) })
    expect(result.ok).toBe(0)
    expect(result.failed).toBe(10)
    expect(Object.keys(result.failures)).toEqual(['the server closed the connection'])
  })
})
