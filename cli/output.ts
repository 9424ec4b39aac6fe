/**
 * How CLI commands print: a readable table for people, `--json` for scripts.
 */

/** Options every command accepts. */
export interface OutputOptions {
  readonly json?: boolean;
}

/** A column of a table: its heading and how to read a cell from a row. */
export interface Column<T> {
  readonly heading: string;
  readonly value: (row: T) => unknown;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Renders rows as an aligned text table (no trailing spaces). */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row)).replace(/\s+/g, ' ')));
  const widths = columns.map((column, i) =>
    Math.max(column.heading.length, ...cells.map((r) => r[i]?.length ?? 0)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.heading.toUpperCase())), ...cells.map(line)].join('\n');
}

/**
 * Prints a result: as JSON (one document on stdout) with `--json`, else through
 * `human`, which returns the text for people.
 */
export function print<T>(result: T, options: OutputOptions, human: (result: T) => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${human(result)}\n`);
}
