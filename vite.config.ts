// Builds the Solid console into dist/console, which the server serves at /console.
import { defineConfig } from 'vite'
import solid from 'vite-plugin-solid'

export default defineConfig({
  root: 'console',
  base: '/console/',
  plugins: [solid()],
  build: { outDir: '../dist/console', emptyOutDir: true },
  server: { proxy: { '/admin': 'http://localhost:8080', '/v1': 'http://localhost:8080' } },
})
