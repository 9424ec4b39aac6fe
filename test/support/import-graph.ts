/**
 * The import graph of the project's TypeScript sources, and the cycles in it.
 *
 * Imports are read with the TypeScript compiler's own pre-processor
 * (`ts.preProcessFile`): static `import` and `export ... from` (type-only ones
 * included, as a cycle of types is still a knot in the design) and `import()`
 * with a string literal. Only relative specifiers are followed; Node's `.js`
 * suffix names the `.ts` source beside it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import ts from 'typescript';

/** Module -> the modules it imports, both as paths relative to the graph's root. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** Folders never read: dependencies, build output, local state. */
const SKIPPED_FOLDERS = new Set(['node_modules', 'cdk.out', '.awf']);

function sourceFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_FOLDERS.has(entry.name) ? [] : sourceFilesUnder(path);
    return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** The `.ts` file a relative specifier names, or undefined when there is none (a JSON file, a `.mjs`). */
export function resolveRelativeSpecifier(fromFile: string, specifier: string): string | undefined {
  const target = resolvePath(dirname(fromFile), specifier);
  const candidates = target.endsWith('.js')
    ? [target.replace(/\.js$/, '.ts')]
    : [target, `${target}.ts`, join(target, 'index.ts')];
  return candidates.find((candidate) => candidate.endsWith('.ts') && isFile(candidate));
}

/** The relative specifiers a TypeScript source imports or re-exports, static and dynamic. */
export function relativeSpecifiers(source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles.map((file) => file.fileName).filter((name) => name.startsWith('.'));
}

/**
 * Reads every `.ts` file under `folders` of `rootDir` and the imports between
 * them; imports of files outside those folders are left out.
 */
export function importGraph(rootDir: string, folders: readonly string[]): ImportGraph {
  const files = folders.flatMap((folder) => sourceFilesUnder(join(rootDir, folder)));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = relativeSpecifiers(readFileSync(file, 'utf8'))
      .map((specifier) => resolveRelativeSpecifier(file, specifier))
      .filter((target): target is string => target !== undefined && known.has(target))
      .map((target) => relative(rootDir, target));
    graph.set(relative(rootDir, file), [...new Set(targets)].sort());
  }
  return graph;
}

/**
 * Every cycle of the graph, one per strongly connected component that has one
 * (Tarjan's algorithm), each as a path that starts and ends at the same module:
 * `['a.ts', 'b.ts', 'a.ts']`. A module importing itself is a cycle too.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  const connect = (node: string): void => {
    index.set(node, counter);
    lowLink.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, lowLink.get(next) ?? 0));
      } else if (onStack.has(next)) {
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (lowLink.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };

  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);

  return components
    .filter(
      ([first, ...rest]) => rest.length > 0 || (first !== undefined && graph.get(first)?.includes(first)),
    )
    .map((component) => cycleWithin(graph, new Set(component)))
    .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

/** One concrete cycle through the first module of a strongly connected component (breadth-first, so a shortest one). */
function cycleWithin(graph: ImportGraph, component: ReadonlySet<string>): string[] {
  const [start] = [...component].sort();
  if (start === undefined) return [];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const next of graph.get(node) ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at)) {
          path.splice(1, 0, at);
        }
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}
