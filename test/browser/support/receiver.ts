// A merchant's webhook receiver on 127.0.0.1 for the browser suites: records every request and
// answers with the status set on it (200 unless told), and a short text.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Receiver {
  server: Server
  url: string
  received: { headers: IncomingHttpHeaders; body: string }[]
  /** what the receiver answers next */
  status: number
}

/** Answers `thanks` with a 2xx status, and "down for maintenance" otherwise. */
export function startReceiver(thanks = 'thanks, got it'): Promise<Receiver> {
  const receiver: Receiver = { server: createServer(), url: '', received: [], status: 200 }
  receiver.server.on('request', (request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => {
      receiver.received.push({ headers: request.headers, body })
      response
        .writeHead(receiver.status, { 'content-type': 'text/plain' })
        .end(receiver.status < 300 ? thanks : 'down for maintenance')
    })
  })
  return new Promise((resolve) => {
    receiver.server.listen(0, '127.0.0.1', () => {
      const { port } = receiver.server.address() as AddressInfo
      receiver.url = `http://127.0.0.1:${port}/tollgate-hooks`
      resolve(receiver)
    })
  })
}
