// An open-loop load: requests sent on a fixed schedule, `rate` a second, whether or not the ones
// before them have been answered, as merchants' servers send them. autocannon's connections each
// wait for an answer before sending again (and its rate option sends each second's quota in a
// burst), so a slow server gets fewer requests and its queueing never shows; here it does. Each
// latency runs from the moment the request was due, not from when it went out, so a generator that
// falls behind counts the delay against the server rather than hiding it (coordinated omission).
//
// The generator shares the machine with the server it measures, so it keeps its own CPU small: every
// request is built before the clock starts, and each goes out as one write on a kept-alive socket
// whose answer is read just far enough to know its status and length (about a third of the CPU of
// an undici Pool here, measured by the bench's load-generator column).
import net from 'node:net'
import * as hdr from 'hdr-histogram-js'

export interface OpenLoopResult {
  /** requests due in the measured window */
  sent: number
  /** of those, answered 2xx */
  ok: number
  failed: number
  /** why the failed ones failed: "status 503", "connection closed" … with how many each */
  failures: Record<string, number>
  /** from the first request due to the last answer */
  seconds: number
  p50: number
  p99: number
  max: number
}

export interface OpenLoopOptions {
  url: string
  /** requests per second */
  rate: number
  seconds: number
  /** the next request: path, headers and body */
  request: () => { path: string; headers: Record<string, string>; body: string }
  /** sockets at most; a request due while all are busy waits, and its wait counts */
  connections?: number
  /**
   * A connection idle this long is closed rather than used again (default 4 s): Node's HTTP server
   * closes a keep-alive connection after 5 s idle, and a request written as it does so is lost
   * through no fault of the server's, as any HTTP client that reuses connections must avoid.
   */
  maxIdleMs?: number
}

/** One kept-alive connection, one request at a time. */
class Connection {
  private readonly socket: net.Socket
  private buffered: Buffer = Buffer.alloc(0)
  private pending: { resolve(status: number): void; reject(error: Error): void } | null = null
  /** the server closed it (an idle keep-alive timeout, say): not to be used again */
  closed = false
  /** when it last came back idle */
  idleSince = 0

  constructor(port: number, host: string) {
    this.socket = net.connect({ port, host, noDelay: true })
    this.socket.on('data', (chunk: Buffer) => this.read(chunk))
    const fail = (error: Error) => {
      this.pending?.reject(error)
      this.pending = null
    }
    this.socket.on('error', fail)
    this.socket.on('close', () => {
      this.closed = true
      fail(new Error('the server closed the connection'))
    })
  }

  send(bytes: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject }
      this.socket.write(bytes)
    })
  }

  /** Reads a response: the status line, Content-Length, then that many bytes of body. */
  private read(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk
    const end = this.buffered.indexOf('\r\n\r\n')
    if (end < 0) return
    const head = this.buffered.toString('latin1', 0, end)
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)
    if (!length) {
      this.pending?.reject(new Error('a response without Content-Length'))
      this.pending = null
      this.socket.destroy()
      return
    }
    const total = end + 4 + Number(length[1])
    if (this.buffered.length < total) return
    this.buffered = this.buffered.subarray(total)
    const status = Number(head.slice(9, 12))
    const pending = this.pending
    this.pending = null
    pending?.resolve(status)
  }

  close(): void {
    this.socket.destroy()
  }
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const url = new URL(options.url)
  const host = url.hostname
  const port = Number(url.port)
  const maxConnections = options.connections ?? 256
  const maxIdleMs = options.maxIdleMs ?? 4000
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  })
  const total = Math.round(options.rate * options.seconds)
  // every request, ready to write, before the clock starts
  const requests = Array.from({ length: total }, () => {
    const { path, headers, body } = options.request()
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`)
    return `POST ${path} HTTP/1.1\r\nhost: ${url.host}\r\n${lines.join('')}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  })
  const interval = 1000 / options.rate
  const idle: Connection[] = []
  const all = new Set<Connection>()
  /** requests due while every connection was busy: sent as connections come free */
  const waiting: number[] = []
  let sent = 0
  let ok = 0
  let failed = 0
  const failures: Record<string, number> = {}
  const fail = (reason: string) => {
    failed++
    failures[reason] = (failures[reason] ?? 0) + 1
  }
  let finish: () => void = () => {}
  const finished = new Promise<void>((resolve) => {
    finish = resolve
  })
  const start = performance.now()

  const send = (connection: Connection, n: number) => {
    const due = start + n * interval
    connection.send(requests[n] as string).then(
      (status) => {
        if (status >= 200 && status < 300) ok++
        else fail(`status ${status}`)
        done(due)
        const next = waiting.shift()
        if (next === undefined) {
          connection.idleSince = performance.now()
          idle.push(connection)
        } else send(connection, next)
      },
      (error: Error) => {
        fail(error.message)
        done(due)
        all.delete(connection)
        const next = waiting.shift()
        if (next !== undefined) dispatch(next)
      },
    )
  }
  const done = (due: number) => {
    // microseconds, from when the request was due
    histogram.recordValue(Math.max(1, Math.round((performance.now() - due) * 1000)))
    if (ok + failed === total) finish()
  }
  const dispatch = (n: number) => {
    let connection = idle.pop()
    while (connection && (connection.closed || performance.now() - connection.idleSince > maxIdleMs)) {
      connection.close()
      all.delete(connection)
      connection = idle.pop()
    }
    if (!connection && all.size < maxConnections) {
      connection = new Connection(port, host)
      all.add(connection)
    }
    if (connection) send(connection, n)
    else waiting.push(n)
  }

  // every millisecond, send what has fallen due since the last tick
  const timer = setInterval(() => {
    const now = performance.now()
    while (sent < total && start + sent * interval <= now) dispatch(sent++)
    if (sent >= total) clearInterval(timer)
  }, 1)
  if (total === 0) finish()
  await finished
  clearInterval(timer)
  const elapsed = (performance.now() - start) / 1000
  for (const connection of all) connection.close()
  const ms = (percentile: number) => Math.round(histogram.getValueAtPercentile(percentile) / 100) / 10
  return {
    sent,
    ok,
    failed,
    failures,
    seconds: elapsed,
    p50: ms(50),
    p99: ms(99),
    max: Math.round(histogram.maxValue / 100) / 10,
  }
}
