/**
 * CSV for spreadsheets (RFC 4180): a header row, then one row per item;
 * fields holding a comma, a quote or a line break are quoted.
 */
import type { Column } from './output.js';

function field(value: unknown): string {
  const text =
    value === undefined || value === null
      ? ''
      : typeof value === 'string'
        ? value
        : typeof value === 'number' || typeof value === 'boolean'
          ? String(value)
          : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Renders rows as CSV with CRLF line ends, as RFC 4180 writes them; with
 * `header: false` the rows only, to continue a file already begun.
 */
export function renderCsv<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  { header = true }: { readonly header?: boolean } = {},
): string {
  const line = (values: readonly unknown[]) => `${values.map(field).join(',')}\r\n`;
  const body = rows.map((row) => line(columns.map((c) => c.value(row)))).join('');
  return header ? line(columns.map((c) => c.heading)) + body : body;
}
