// The HTTP side of an outside data provider: one POST of the normalized query, under a deadline
// that covers every attempt, retried with jittered exponential backoff on a 5xx, a 429 or a broken
// connection, behind a circuit breaker, with answers cached for the provider's TTL. cockatiel
// (MIT, typed, maintained) supplies the retry, backoff, breaker and deadline; the answer is
// checked against the kind's schema, so a provider that replies nonsense is an error, not a guess.
//
// Never throws: every way a call can end is a ProviderCall with a status the facts understand.
import { createHash } from 'node:crypto'
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel'
import { LRUCache } from 'lru-cache'
import stableStringify from 'safe-stable-stringify'
import { type Dispatcher, request } from 'undici'
import {
  type FailPolicy,
  type ProviderAnswer,
  type ProviderKind,
  type ProviderQuery,
  providerAnswerSchemas,
} from '../../rules/facts/providers.ts'

export interface ProviderConfig {
  tenantId: string
  id: string
  kind: ProviderKind
  /** absolute, or a path resolved against the registry's base URL */
  url: string
  timeoutMs: number
  /** retries after the first attempt, all within timeoutMs */
  retries: number
  failPolicy: FailPolicy
  cacheTtlSeconds: number
  breakerThreshold: number
  breakerResetMs: number
  /** sent as "Authorization: Bearer …" when set */
  secret: string | null
  /** changes when the configuration does: a changed provider starts with a fresh breaker and cache */
  version: string
}

export type CallStatus = 'answered' | 'cached' | 'timeout' | 'circuit_open' | 'error'

export interface ProviderCall<K extends ProviderKind = ProviderKind> {
  providerId: string
  kind: K
  status: CallStatus
  failPolicy: FailPolicy
  answer: ProviderAnswer<K> | null
  /** HTTP requests made for this call: 0 when cached or the circuit was open */
  attempts: number
  latencyMs: number
  /** why no answer came, for staff: never the provider's body beyond a short excerpt */
  error: string | null
  queryKey: string
}

/** A failure worth another attempt: the provider may answer the same question next time. */
class TransientProviderError extends Error {}
/** A failure that another attempt will not fix: a 4xx, or an answer that does not fit. */
class PermanentProviderError extends Error {}

/** The cache and log key of a query: a hash, so neither memory nor the database holds the identities. */
export function queryKey(kind: ProviderKind, query: unknown): string {
  return createHash('sha256')
    .update(`${kind}\u0000${stableStringify(query) ?? ''}`)
    .digest('base64url')
}

export interface ProviderClientOptions {
  /** resolves a relative URL: the server's own base, for the sandbox */
  baseUrl: () => string | null
}

export class ProviderClient {
  private readonly policy
  private readonly breaker
  private readonly cache: LRUCache<string, ProviderAnswer> | null
  /** a moving average of how long lately the provider took to answer, or to fail; null before any */
  private latencyMs: number | null = null
  /** each query's key, hashed once though a live decision asks answersQuickly() before call() */
  private readonly keys = new WeakMap<object, string>()

  constructor(
    readonly config: ProviderConfig,
    private readonly options: ProviderClientOptions,
  ) {
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: config.breakerResetMs,
      breaker: new ConsecutiveBreaker(config.breakerThreshold),
    })
    const retries = retry(
      handleWhen((error) => error instanceof TransientProviderError),
      {
        maxAttempts: config.retries,
        backoff: new ExponentialBackoff({ initialDelay: 25, maxDelay: Math.max(50, config.timeoutMs / 2) }),
      },
    )
    // The deadline is outermost: it bounds the attempts and the waits between them together. An
    // attempt reads or discards the whole body before it returns, so nothing is left to cancel
    // then: by default cockatiel would abort the signal anyway, building an AbortError (with its
    // stack) and running the request's abort listeners on every call that succeeded.
    this.policy = wrap(
      timeout(config.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }),
      retries,
      this.breaker,
    )
    this.cache =
      config.cacheTtlSeconds > 0 ? new LRUCache({ max: 10_000, ttl: config.cacheTtlSeconds * 1000 }) : null
  }

  get circuit(): 'closed' | 'open' | 'half_open' {
    const state = this.breaker.state
    return state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half_open' : 'open'
  }

  /**
   * Whether asking this now should take no longer than withinMs: the answer is cached, the circuit
   * is open (refused at once), or the provider has lately answered that fast. Unknown until a call.
   */
  answersQuickly(query: unknown, withinMs: number): boolean {
    if (this.cache?.has(this.keyOf(query))) return true
    if (this.breaker.state === CircuitState.Open) return true
    return this.latencyMs !== null && this.latencyMs <= withinMs
  }

  private keyOf(query: unknown): string {
    if (typeof query !== 'object' || query === null) return queryKey(this.config.kind, query)
    let key = this.keys.get(query)
    if (key === undefined) {
      key = queryKey(this.config.kind, query)
      this.keys.set(query, key)
    }
    return key
  }

  private observe(ms: number): void {
    this.latencyMs = this.latencyMs === null ? ms : 0.7 * this.latencyMs + 0.3 * ms
  }

  async call<K extends ProviderKind>(
    query: ProviderQuery<K>,
    options: { bypassCache?: boolean } = {},
  ): Promise<ProviderCall<K>> {
    const { config } = this
    const key = this.keyOf(query)
    const started = performance.now()
    const base = {
      providerId: config.id,
      kind: config.kind as K,
      failPolicy: config.failPolicy,
      queryKey: key,
    }
    const elapsed = () => Math.round(performance.now() - started)

    const cached = options.bypassCache ? undefined : this.cache?.get(key)
    if (cached)
      return {
        ...base,
        status: 'cached',
        answer: cached as ProviderAnswer<K>,
        attempts: 0,
        latencyMs: elapsed(),
        error: null,
      }

    let attempts = 0
    try {
      const answer = await this.policy.execute(async ({ signal }) => {
        attempts++
        return (await this.request(query, attempts, signal)) as ProviderAnswer<K>
      })
      this.cache?.set(key, answer)
      this.observe(performance.now() - started)
      return { ...base, status: 'answered', answer, attempts, latencyMs: elapsed(), error: null }
    } catch (error) {
      const status: CallStatus =
        error instanceof TaskCancelledError
          ? 'timeout'
          : error instanceof BrokenCircuitError
            ? 'circuit_open'
            : 'error'
      if (attempts > 0) this.observe(performance.now() - started)
      const message =
        status === 'timeout'
          ? `no answer within ${config.timeoutMs} ms`
          : status === 'circuit_open'
            ? 'circuit open after repeated failures; not called'
            : error instanceof Error
              ? error.message
              : 'failed'
      return { ...base, status, answer: null, attempts, latencyMs: elapsed(), error: message }
    }
  }

  private resolveUrl(): string {
    const { url } = this.config
    if (/^https?:\/\//i.test(url)) return url
    const base = this.options.baseUrl()
    if (!base) throw new PermanentProviderError(`relative URL ${url} and no server base URL is known`)
    return new URL(url, base).toString()
  }

  private async request(query: unknown, attempt: number, signal: AbortSignal): Promise<ProviderAnswer> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-tollgate-attempt': String(attempt),
    }
    if (this.config.secret) headers.authorization = `Bearer ${this.config.secret}`
    // undici's own request API: the same client as Node's fetch without the WHATWG streams and
    // objects around it, which cost more than the call on this path (one per unknown customer)
    let response: Dispatcher.ResponseData
    try {
      response = await request(this.resolveUrl(), {
        method: 'POST',
        headers,
        body: JSON.stringify({ query }),
        signal,
      })
    } catch (error) {
      if (error instanceof PermanentProviderError) throw error
      // aborted by the deadline, refused, reset: the same question may be answered next time
      throw new TransientProviderError(
        `request failed: ${error instanceof Error ? error.message : 'network error'}`,
      )
    }
    const status = response.statusCode
    if (status >= 500 || status === 429) {
      await response.body.dump()
      throw new TransientProviderError(`provider answered ${status}`)
    }
    if (status < 200 || status >= 300) {
      await response.body.dump()
      throw new PermanentProviderError(`provider answered ${status}`)
    }
    let body: unknown
    try {
      body = await response.body.json()
    } catch (error) {
      // the deadline may fall while the body is still arriving
      if (signal.aborted) throw new TransientProviderError('request failed: the deadline passed')
      if (!(error instanceof SyntaxError))
        throw new TransientProviderError('request failed: the answer broke off')
      throw new PermanentProviderError('provider answered with something that is not JSON')
    }
    const parsed = providerAnswerSchemas[this.config.kind].safeParse(
      typeof body === 'object' && body !== null && 'answer' in body ? body.answer : body,
    )
    if (!parsed.success)
      throw new PermanentProviderError(
        `provider's answer does not fit ${this.config.kind}: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim(),
      )
    return parsed.data
  }
}

/**
 * The process's provider clients, one per tenant provider and configuration version: breakers and
 * caches live as long as the configuration they were made for.
 */
export class ProviderRegistry {
  private readonly clients = new Map<string, ProviderClient>()
  private base: string | null

  constructor(options: { baseUrl?: string | null } = {}) {
    this.base = options.baseUrl ?? null
  }

  /** Where relative provider URLs (the sandbox) point: the server's own address, known once it listens. */
  setBaseUrl(url: string): void {
    this.base = url
  }

  get baseUrl(): string | null {
    return this.base
  }

  client(config: ProviderConfig): ProviderClient {
    const key = `${config.tenantId}\u0000${config.id}`
    const existing = this.clients.get(key)
    if (existing && existing.config.version === config.version) return existing
    const client = new ProviderClient(config, { baseUrl: () => this.base })
    this.clients.set(key, client)
    return client
  }

  /** Drops a provider's breaker and cache, after it is changed or disabled. */
  forget(tenantId: string, id: string): void {
    this.clients.delete(`${tenantId}\u0000${id}`)
  }
}

/** This server's own address as a client on the same machine reaches it: for the sandbox's paths. */
export function selfBaseUrl(host: string, port: number): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === ''
  const name = wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `http://${name}:${port}`
}
