/**
 * `awf local up` (what `npm start` runs): the synthesized stacks on this
 * machine, with the demo (`local-demo.ts`), until Ctrl+C.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { checkSpeed } from '../../core/clock-scale.js';
import { isProcessRunning } from '../../local/process/process-running.js';
import { LOCAL_STATE_DIR, localStatePath, readLocalState } from '../../local/process/state-file.js';

/** Options of `awf local up`. */
export interface LocalUpOptions {
  /** False with `--no-demo`. */
  readonly demo?: boolean;
  readonly inMemory?: boolean;
  readonly modelScript?: string;
  /** How much faster than the wall clock the cloud's time runs (1 to 3600). */
  readonly speed?: number;
  readonly stateDir?: string;
  /** `--principal`, repeated: people given a local identity besides the approver directories'. */
  readonly principal?: readonly string[];
}

/**
 * Refuses to start a second local cloud on the same state folder: it would
 * fight the first over DynamoDB's data and `local.json`.
 * @throws Error naming the running process.
 */
function assertNotRunning(stateDir: string): void {
  let pid: number;
  try {
    pid = readLocalState(stateDir).pid;
  } catch {
    // No state file, or one this version cannot read: nothing to protect.
    return;
  }
  if (pid !== process.pid && isProcessRunning(pid)) {
    throw new Error(
      `a local cloud already runs (pid ${pid}, ${localStatePath(stateDir)}); stop it with Ctrl+C in its terminal, or kill ${pid}`,
    );
  }
}

/** Starts the local cloud and keeps it running until SIGINT or SIGTERM, then stops everything it started. */
export async function localUp(options: LocalUpOptions): Promise<void> {
  const stateDir = options.stateDir ?? LOCAL_STATE_DIR;
  assertNotRunning(stateDir);
  const log = (line: string) => process.stdout.write(`${line}\n`);

  let stopRequested: string | undefined;
  let wake: () => void = () => {};
  const stopSignal = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopRequested !== undefined) return;
    stopRequested = signal;
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    log('awf local cloud: starting (Ctrl+C stops it)');
    // Loaded here, not at the top: every other command would otherwise pay for the local cloud's code.
    const { startLocalCloud } = await import('../../local/cloud.js');
    const cloud = await Promise.race([
      startLocalCloud({
        stateDir,
        progress: true,
        inMemory: options.inMemory ?? false,
        ...(options.modelScript === undefined ? {} : { modelScript: options.modelScript }),
        ...(options.speed === undefined ? {} : { speed: options.speed }),
        ...(options.principal === undefined ? {} : { principals: options.principal }),
        log,
      }),
      stopSignal.then(() => undefined),
    ]);
    if (cloud === undefined) {
      // Interrupted while starting: what has started is stopped by its own exit hooks.
      log(`${stopRequested ?? 'signal'} while starting; exiting`);
      process.exit(128 + (stopRequested === 'SIGTERM' ? 15 : 2));
    }
    if (options.demo ?? true) {
      const { runDemo } = await import('./local-demo.js');
      // Never rejects; it reports its outcome in lines. Ctrl+C may stop the cloud before it ends.
      void runDemo(cloud, { log });
    }
    await stopSignal;
    log(`${stopRequested ?? 'signal'}: stopping the local cloud...`);
    await cloud.stop();
    log('stopped');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Adds `awf local up` to the program. */
export function addLocalCommands(program: Command): Command {
  const local = program
    .command('local')
    .description('the local cloud: the synthesized stacks on this machine, reached through the AWS SDK');
  local
    .command('up')
    .description(
      'synthesize if needed, start the local cloud, send the example events (the demo), and run until Ctrl+C',
    )
    .option('--no-demo', 'start without sending the example events')
    .option('--in-memory', 'keep DynamoDB in memory: nothing survives a restart')
    .option(
      '--speed <factor>',
      "run the cloud's time faster than the wall clock, for demos: at 60 an hour passes in a minute (timeouts, heartbeats, reminders and the steps' clocks follow it)",
      (value: string) => {
        try {
          return checkSpeed(Number(value));
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message);
        }
      },
    )
    .option(
      '--principal <person>',
      'give this person a local identity too (repeatable): to try the approvals endpoint as someone who is no approver',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--model-script <path>',
      "an ES module whose default export answers every model request (default: $AWF_MODEL_SCRIPT, else each pack's local-model.ts)",
    )
    .addOption(
      new Option('--state-dir <dir>', 'local cloud state folder').default(LOCAL_STATE_DIR).hideHelp(),
    )
    .action(async (options: LocalUpOptions) => {
      await localUp(options);
    });
  return program;
}
