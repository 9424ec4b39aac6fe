/**
 * No import cycle among the project's sources: each folder (and each room of
 * `local/`) can be read, tested and changed from its imports down.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCycles, importGraph, relativeSpecifiers } from '../../support/import-graph.js';

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const SOURCE_FOLDERS = ['bin', 'lib', 'core', 'lambdas', 'adapters', 'local', 'cli', 'workflows', 'bench'];

describe('import cycles', () => {
  it('has none among the sources of bin, lib, core, lambdas, adapters, local, cli, workflows and bench', () => {
    const graph = importGraph(PROJECT_ROOT, SOURCE_FOLDERS);
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('local/cloud.ts')).toContain('local/template/index.ts');
    expect(findCycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('finds a cycle in a small graph, and only the modules on it', () => {
    const graph = new Map<string, string[]>([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
      ['f.ts', ['a.ts']],
    ]);
    expect(findCycles(graph)).toEqual([
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
      ['e.ts', 'e.ts'],
    ]);
    expect(findCycles(new Map([...graph].filter(([name]) => name !== 'c.ts' && name !== 'e.ts')))).toEqual(
      [],
    );
  });

  it('reads static, type-only, re-exported and dynamic imports and follows .js to .ts', () => {
    expect(
      relativeSpecifiers(
        [
          "import { a } from './a.js';",
          "import type { B } from '../b.js';",
          "export { c } from './c.js';",
          "export * from './d/index.js';",
          "const e = await import('./e.js');",
          "import { readFileSync } from 'node:fs';",
        ].join('\n'),
      ),
    ).toEqual(['./a.js', '../b.js', './c.js', './d/index.js', './e.js']);

    const dir = mkdtempSync(join(tmpdir(), 'awf-import-graph-'));
    try {
      writeFileSync(
        join(dir, 'cloud.ts'),
        "import { runDemo } from './demo.js';\nexport const cloud = runDemo;\n",
      );
      writeFileSync(
        join(dir, 'demo.ts'),
        "import type { cloud } from './cloud.js';\nexport const runDemo = 1;\n",
      );
      const graph = importGraph(dir, ['.']);
      expect(findCycles(graph)).toEqual([['cloud.ts', 'demo.ts', 'cloud.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
