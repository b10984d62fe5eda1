// The periodic sweep that escalates reviews nobody claimed within the tenant's time limit.
// main.ts starts it; tests call sweep() with the clock they want.
import type { Db } from '../../db/connect.ts'
import type { Logger } from '../logging.ts'
import { escalateOverdueReviews } from './reviews.ts'

export class ReviewEscalator {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined

  constructor(private readonly deps: { db: Db; logger: Logger; now?: () => Date }) {}

  async sweep(now: Date = this.deps.now?.() ?? new Date()) {
    const escalated = await escalateOverdueReviews(this.deps.db, now)
    if (escalated.length) this.deps.logger.info({ escalated: escalated.length }, 'reviews escalated')
    return escalated
  }

  start(intervalMs = 30_000): void {
    if (this.timer) return
    this.timer = setInterval(() => {
      if (this.running) return
      this.running = this.sweep()
        .catch((err) => this.deps.logger.error({ err }, 'review escalation sweep failed'))
        .finally(() => {
          this.running = undefined
        })
    }, intervalMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }
}
