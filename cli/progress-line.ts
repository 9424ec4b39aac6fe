/**
 * A progress line on stderr for work that takes a while (`awf audit verify
 * --all` over many runs): nothing for the first second, then at most one
 * line a second, so short commands print nothing extra and stdout stays the
 * report alone.
 */

/** Reports `done` of `total`; `finish` ends the line. */
export interface ProgressLine {
  tick(done: number): void;
  finish(): void;
}

/** A progress line for `what`, such as "reading chains". */
export function progressLine(
  what: string,
  total: number,
  write: (text: string) => void = (text) => {
    process.stderr.write(text);
  },
): ProgressLine {
  const started = Date.now();
  let last = started;
  let shown = false;
  return {
    tick(done) {
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      shown = true;
      write(`${what}: ${done}/${total} (${Math.round((now - started) / 1000)} s)\n`);
    },
    finish() {
      if (shown)
        write(`${what}: ${total}/${total} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    },
  };
}
