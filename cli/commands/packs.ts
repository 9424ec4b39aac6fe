/**
 * `awf packs test [--pack ID] [--dir DIR]`: runs every example event of the
 * packs through the real state machine and steps, in this process (no local
 * cloud, no Java), on a virtual clock, and reports each against its `expect`,
 * with what it used that is billed per run (state transitions, model calls).
 * Exits 1 when any example ends otherwise than it expects.
 */
import { createPackTester, type ExampleResult } from '../../local/pack-test/pack-tester.js';
import { discoverWorkflowPacks, loadExampleEvents, WORKFLOWS_DIR } from '../../workflows/discover.js';
import { type OutputOptions, print, renderTable } from '../output.js';

/** What `awf packs test` is asked. */
export interface PackTestOptions extends OutputOptions {
  /** Only this pack. */
  readonly pack?: string;
  /** @default - the repository's `workflows/` */
  readonly dir?: string;
}

/** One example's line of the report. */
export interface PackTestLine extends ExampleResult {
  readonly pack: string;
}

function describe(outcome: { outcome: string; status: string | null; actions: readonly string[] }): string {
  return `${outcome.outcome} ${outcome.status ?? '-'} [${outcome.actions.join(', ')}]`;
}

/**
 * Runs the examples and prints the report.
 * @throws Error naming the packs there are when `--pack` names none of them
 */
export async function testPacks(options: PackTestOptions): Promise<PackTestLine[]> {
  const located = await discoverWorkflowPacks(options.dir ?? WORKFLOWS_DIR);
  const chosen =
    options.pack === undefined ? located : located.filter(({ pack }) => pack.spec.id === options.pack);
  if (chosen.length === 0) {
    const known = located.map(({ pack }) => pack.spec.id).join(', ') || 'none';
    throw new Error(
      options.pack === undefined
        ? 'no workflow packs found'
        : `no pack "${options.pack}"; the packs are: ${known}`,
    );
  }
  const lines: PackTestLine[] = [];
  for (const { pack, dir } of chosen) {
    const tester = await createPackTester(pack, dir);
    for (const example of loadExampleEvents(dir)) {
      lines.push({ pack: pack.spec.id, ...(await tester.run(example)) });
    }
  }
  const failed = lines.filter((line) => !line.passed).length;
  print({ examples: lines, passed: lines.length - failed, failed }, options, (report) =>
    [
      renderTable(report.examples, [
        { heading: 'pack', value: (l) => l.pack },
        { heading: 'example', value: (l) => l.example },
        { heading: 'expected', value: (l) => describe(l.expected) },
        { heading: 'actual', value: (l) => describe(l.actual) },
        {
          heading: 'used',
          value: (l) => `${l.usage.transitions} transitions, ${l.usage.modelCalls} model call(s)`,
        },
        { heading: 'result', value: (l) => (l.passed ? 'ok' : `MISMATCH: ${l.mismatches.join('; ')}`) },
      ]),
      '',
      `${report.passed} passed, ${report.failed} failed`,
    ].join('\n'),
  );
  if (failed > 0) process.exitCode = 1;
  return lines;
}
