// The part of autocannon's programmatic API the benchmark uses. autocannon ships no types and
// @types/autocannon trails it by a major version, so this stays small and exact.
declare module 'autocannon' {
  export interface RequestShape {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
  }
  export interface RequestSpec extends RequestShape {
    setupRequest?: (request: RequestShape, context: Record<string, unknown>) => RequestShape
  }
  export interface Options {
    url: string
    connections?: number
    duration?: number
    amount?: number
    pipelining?: number
    timeout?: number
    requests?: RequestSpec[]
  }
  export interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p90: number
    p97_5: number
    p99: number
  }
  export interface Result {
    latency: Histogram
    requests: Histogram
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
    '4xx': number
    '5xx': number
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
