/**
 * The pack runner's figure for `npm run bench`: how many example events per
 * second `awf packs test` runs through the real state machine and steps,
 * in this process, on a virtual clock.
 */
import { createPackTester } from '../local/pack-test/pack-tester.js';
import { discoverWorkflowPacks, loadExampleEvents } from '../workflows/discover.js';

/** Rounds of every example of every pack before the measured ones: the JIT compiles the same code first. */
const WARMUP_ROUNDS = 20;

/** What the pack runner did in the measured rounds. */
export interface PackRunnerFigures {
  readonly examples: number;
  readonly seconds: number;
  readonly examplesPerSecond: number;
  /** Examples that did not end as they expect (should be 0). */
  readonly mismatches: number;
}

/** Runs every example of every discovered pack `rounds` times after a warm-up, with one tester per pack. */
export async function benchPackRunner(rounds = 100): Promise<PackRunnerFigures> {
  const packs = await discoverWorkflowPacks();
  const testers = await Promise.all(
    packs.map(async ({ pack, dir }) => ({
      tester: await createPackTester(pack, dir),
      examples: loadExampleEvents(dir),
    })),
  );
  const round = async (): Promise<{ examples: number; mismatches: number }> => {
    let examples = 0;
    let mismatches = 0;
    for (const { tester, examples: list } of testers) {
      for (const example of list) {
        examples++;
        if (!(await tester.run(example)).passed) mismatches++;
      }
    }
    return { examples, mismatches };
  };
  for (let i = 0; i < WARMUP_ROUNDS; i++) await round();
  const started = performance.now();
  let examples = 0;
  let mismatches = 0;
  for (let i = 0; i < rounds; i++) {
    const done = await round();
    examples += done.examples;
    mismatches += done.mismatches;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    examples,
    seconds: Math.round(seconds * 100) / 100,
    examplesPerSecond: Math.round((examples / seconds) * 10) / 10,
    mismatches,
  };
}
