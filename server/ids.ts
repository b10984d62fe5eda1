// Identifiers: a readable prefix, then a time-ordered part so ids sort by creation, then randomness.
import { randomFillSync } from 'node:crypto'

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz'

// Random bytes are drawn from the system a pool at a time: one call per id cost more than the id.
const pool = Buffer.alloc(4096)
let poolOffset = pool.length

export function randomToken(length: number): string {
  let out = ''
  while (out.length < length) {
    if (poolOffset === pool.length) {
      randomFillSync(pool)
      poolOffset = 0
    }
    const byte = pool[poolOffset++] as number
    // 252 = 7 × 36: the bytes above it are skipped, so every character is equally likely
    if (byte < 252) out += alphabet[byte % 36]
  }
  return out
}

export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomToken(12)}`
}
