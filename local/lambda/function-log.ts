/**
 * The functions' log of the local cloud (`lambda.log`): every line a Lambda
 * environment prints, prefixed by its function's name, `!` marking stderr.
 *
 * Lines are gathered and appended together at most every
 * {@link FUNCTION_LOG_FLUSH_MS}, as CloudWatch Logs batches a function's
 * output: a busy local cloud prints a line or more per invocation, and one
 * file write each would hand the file system a request per line from the
 * main thread, which also runs every execution.
 */
import { createWriteStream } from 'node:fs';
import type { FunctionLogLine } from './host.js';

/** Longest a printed line waits before it is in the file. */
export const FUNCTION_LOG_FLUSH_MS = 100;

/** An open functions' log. */
export interface FunctionLog {
  /** Adds a line; it reaches the file within {@link FUNCTION_LOG_FLUSH_MS}, or at close. */
  write(line: FunctionLogLine): void;
  /** Writes what is gathered and closes the file; safe to call twice. */
  close(): Promise<void>;
}

/** The text of a line in the file: `<function name>[ !] <line>`. */
export function formatFunctionLogLine({ functionName, stream, line }: FunctionLogLine): string {
  return `${functionName}${stream === 'stderr' ? ' !' : ''} ${line}\n`;
}

/** Opens (appending to) the functions' log at `path`. */
export function openFunctionLog(path: string): FunctionLog {
  const file = createWriteStream(path, { flags: 'a' });
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

  const flush = () => {
    timer = undefined;
    if (pending.length === 0) return;
    file.write(pending.join(''));
    pending = [];
  };

  return {
    write(line) {
      if (closing) return;
      pending.push(formatFunctionLogLine(line));
      // Unreferenced: a pending flush must not keep the process alive; close() writes the rest.
      timer ??= setTimeout(flush, FUNCTION_LOG_FLUSH_MS).unref();
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearTimeout(timer);
        flush();
        file.end(resolve);
      });
      return closing;
    },
  };
}
