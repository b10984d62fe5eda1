// The part of drachtio-modesl 1.3.1 (no types of its own) that the facade uses. Internals the facade
// relies on are marked: modesl has no public switch for them.
declare module 'drachtio-modesl' {
  import type { Server as NetServer, Socket } from 'node:net'

  export interface ModeslHeader {
    name: string
    value: string | number | string[]
  }

  export class Event {
    headers: ModeslHeader[]
    type: string
    subclass: string | undefined
    body: string
    getHeader(name: string): string | undefined
    getBody(): string
  }

  export type FrameHeaders = Record<string, string | number>

  export class Connection {
    /** inbound: connects and authenticates; 'esl::ready' once accepted */
    constructor(host: string, port: number, password: string, ready?: () => void)
    /** outbound: wraps a socket FreeSWITCH opened; sends `connect` at once */
    constructor(socket: Socket, ready?: () => void)
    socket: Socket | null
    /** internal: set to stop modesl's own reconnection, which keeps stale callbacks queued */
    closing: boolean
    /** internal: the queue of command/reply callbacks, FIFO */
    cmdCallbackQueue: Array<((event: Event) => void) | undefined>
    getInfo(): Event | null
    send(command: string, args?: Record<string, string>): void
    sendRecv(command: string, args: Record<string, string> | null, callback: (event: Event) => void): void
    sendRecv(command: string, callback: (event: Event) => void): void
    api(command: string, callback: (event: Event) => void): void
    disconnect(): void
    on(event: string, listener: (event: Event, headers: FrameHeaders, body?: string) => void): this
    on(event: 'error', listener: (error: Error) => void): this
    once(event: string, listener: (...args: unknown[]) => void): this
    removeAllListeners(event?: string): this
  }

  export class Server {
    constructor(options: { server: NetServer; myevents?: boolean }, ready?: () => void)
    server: NetServer
    on(event: 'connection::ready', listener: (connection: Connection, id: string) => void): this
    on(event: 'connection::close', listener: (connection: Connection, id: string) => void): this
    close(callback?: () => void): void
  }

  export class Parser {
    _parseHeaderText(text: string): Record<string, string | number>
  }

  const modesl: {
    Connection: typeof Connection
    Server: typeof Server
    Event: typeof Event
    Parser: typeof Parser
  }
  export default modesl
}
