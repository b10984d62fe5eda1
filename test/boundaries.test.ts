// The layout's dependency rules (ARCHITECTURE.md, "Layout"): db/ and rules/ sit below server/ and
// import nothing of it, rules/ stays pure of the database too, and rules/ has no import cycles — the
// shared types live in rules/types.ts. Imports are read with the TypeScript compiler's own scanner,
// type-only imports and re-exports included, since a cycle of types still ties the modules together.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '..')
const appFolders = ['server', 'rules', 'db', 'telephony', 'console'] as const

/** The project's TypeScript files under a folder, as paths relative to the root with forward slashes. */
function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.tsx?$/.test(name) && !name.split(path.sep).includes('node_modules'))
    .map((name) => path.posix.join(folder, name.split(path.sep).join('/')))
}

/** The project files a file imports (static, dynamic, type-only and re-exports); packages are left out. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8')
  const { importedFiles } = ts.preProcessFile(text, true, true)
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)))
}

function folderOf(file: string): string {
  return file.split('/')[0] ?? ''
}

/** Every import from a file under `from` into another part of the application, as "file → import". */
function crossings(from: string): string[] {
  const others: readonly string[] = appFolders.filter((folder) => folder !== from)
  return sourceFiles(from).flatMap((file) =>
    importsOf(file)
      .filter((target) => others.includes(folderOf(target)))
      .map((target) => `${file} → ${target}`),
  )
}

/** The cycles a depth-first walk of the graph meets — one at least for each ring of modules — as "a → b → a". */
function importCycles(graph: Map<string, string[]>): string[] {
  const cycles: string[] = []
  const done = new Set<string>()
  const onPath: string[] = []
  const visit = (file: string): void => {
    const at = onPath.indexOf(file)
    if (at >= 0) {
      cycles.push([...onPath.slice(at), file].join(' → '))
      return
    }
    if (done.has(file)) return
    onPath.push(file)
    for (const target of graph.get(file) ?? []) visit(target)
    onPath.pop()
    done.add(file)
  }
  for (const file of [...graph.keys()].sort()) visit(file)
  return cycles
}

function graphOf(folder: string): Map<string, string[]> {
  return new Map(
    sourceFiles(folder).map((file) => [
      file,
      importsOf(file).filter((target) => folderOf(target) === folder),
    ]),
  )
}

describe('module boundaries', () => {
  it('reads type-only imports and re-exports, and resolves them to project files', () => {
    // engine.ts takes its shared types with `import type`, which the compiler erases
    expect(importsOf('rules/engine.ts')).toContain('rules/types.ts')
    expect(importsOf('rules/engine.ts')).toContain('rules/facts.ts')
    expect(sourceFiles('rules')).toContain('rules/facts/provider-facts.ts')
  })

  it('finds a cycle when there is one, types or not', () => {
    const graph = new Map([
      ['rules/a.ts', ['rules/b.ts']],
      ['rules/b.ts', ['rules/c.ts']],
      ['rules/c.ts', ['rules/a.ts']],
      ['rules/d.ts', ['rules/a.ts']],
    ])
    expect(importCycles(graph)).toEqual(['rules/a.ts → rules/b.ts → rules/c.ts → rules/a.ts'])
    expect(importCycles(new Map([['rules/a.ts', ['rules/b.ts']]]))).toEqual([])
  })

  it.each([
    ['db', 'imports nothing from server/, rules/ or any other part of the application'],
    [
      'rules',
      'imports neither server/ nor db/ (nor telephony/ or console/): data reaches it through interfaces',
    ],
  ])('%s/ %s', (folder) => {
    expect(sourceFiles(folder).length).toBeGreaterThan(3)
    expect(crossings(folder)).toEqual([])
  })

  it('server/ imports telephony/ only in server/main.ts, the process that starts both', () => {
    const intoTelephony = crossings('server').filter((line) => line.includes('→ telephony/'))
    expect(intoTelephony).toEqual(['server/main.ts → telephony/start.ts'])
  })

  it.each(['rules', 'db'])('%s/ has no import cycles, type-only ones included', (folder) => {
    expect(importCycles(graphOf(folder))).toEqual([])
  })
})
