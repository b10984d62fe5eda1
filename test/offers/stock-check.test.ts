// The HTTP stock check for offers whose stock a supplier keeps, against a real local HTTP server:
// what it sends, the answers it takes, and every other answer (a status, a shape, silence) refused
// so the offer is skipped rather than made without stock. OFFER_STOCK_CHECK_URL is validated.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../server/config.ts'
import { httpStockCheck } from '../../server/offers/stock-check.ts'

const received: unknown[] = []
let reply: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end()
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (chunk: Buffer) => {
    body += chunk.toString()
  })
  req.on('end', () => {
    received.push({ method: req.method, type: req.headers['content-type'], body: JSON.parse(body || 'null') })
    reply(req, res)
  })
})
let url = ''

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stock`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

// generous for the answers that do come: a loaded test machine is not a slow supplier
const check = () => httpStockCheck(url, { timeoutMs: 15_000 })
const call = { tenantId: 'acme', offerId: 'off_tarot_deck', sku: 'tarot-deck', quantity: 2 }
const json = (status: number, body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

describe('httpStockCheck', () => {
  it('posts the offer and the quantity, and takes the supplier’s answer', async () => {
    reply = json(200, { available: true })
    expect(await check()(call)).toEqual({ available: true })
    expect(received.at(-1)).toEqual({
      method: 'POST',
      type: 'application/json',
      body: { tenant_id: 'acme', offer_id: 'off_tarot_deck', sku: 'tarot-deck', quantity: 2 },
    })
    reply = json(200, { available: false, message: 'back in March' })
    expect(await check()(call)).toEqual({ available: false, message: 'back in March' })
  })

  it('throws on another status, another shape, or no answer in time', async () => {
    reply = json(503, { available: true })
    await expect(check()(call)).rejects.toThrow('503')
    reply = json(200, { in_stock: 'yes' })
    await expect(check()(call)).rejects.toThrow('something other')
    reply = (_req, res) => setTimeout(() => json(200, { available: true })(_req, res), 500)
    await expect(httpStockCheck(url, { timeoutMs: 50 })(call)).rejects.toThrow()
  })
})

describe('OFFER_STOCK_CHECK_URL', () => {
  it('is an http(s) URL, refused otherwise without echoing it', () => {
    expect(loadConfig({ OFFER_STOCK_CHECK_URL: 'https://supplier.example/stock' }).offerStockCheckUrl).toBe(
      'https://supplier.example/stock',
    )
    expect(loadConfig({}).offerStockCheckUrl).toBeNull()
    const attempt = () => loadConfig({ OFFER_STOCK_CHECK_URL: 'ftp://secret-token@supplier' })
    expect(attempt).toThrow(ConfigError)
    expect(attempt).toThrow(/OFFER_STOCK_CHECK_URL must be an http/)
    expect(attempt).not.toThrow(/secret-token/)
  })
})
