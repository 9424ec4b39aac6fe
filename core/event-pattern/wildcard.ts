/**
 * EventBridge wildcard filters: `*` stands for any run of characters (none
 * included), `\*` for a literal asterisk and `\\` for a literal backslash.
 * A backslash before anything else, and two wildcards in a row, are invalid.
 *
 * A wildcard is parsed once into the literal pieces between its stars and
 * matched by scanning for those pieces in order, which needs no regular
 * expression and cannot backtrack.
 */

/** A parsed wildcard: the literal text between its unescaped stars. */
export interface WildcardGlob {
  /** Literal pieces; `n` stars give `n + 1` pieces (some may be empty). */
  readonly pieces: readonly string[];
}

/**
 * Parses wildcard syntax.
 * @returns the glob, or a sentence saying what is wrong with the text.
 */
export function parseWildcard(text: string): WildcardGlob | string {
  const pieces: string[] = [];
  let piece = '';
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (char === '*') {
      if (text.charAt(i + 1) === '*')
        return `consecutive wildcard characters at position ${i} are not allowed`;
      pieces.push(piece);
      piece = '';
    } else if (char === '\\') {
      const next = text.charAt(i + 1);
      if (next !== '*' && next !== '\\') {
        return `a backslash may only escape "*" or "\\" (invalid escape at position ${i})`;
      }
      piece += next;
      i++;
    } else {
      piece += char;
    }
  }
  pieces.push(piece);
  return { pieces };
}

/** Whether `value` matches the glob from its first character to its last. */
export function matchesWildcard(glob: WildcardGlob, value: string): boolean {
  const { pieces } = glob;
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return value === first;
  const last = pieces[pieces.length - 1] ?? '';
  const end = value.length - last.length;
  if (end < first.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  // Taking the leftmost occurrence of each middle piece leaves the most room for
  // the ones after it, so a failure here means no placement exists.
  let position = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const middle = pieces[i] ?? '';
    const found = value.indexOf(middle, position);
    if (found === -1 || found + middle.length > end) return false;
    position = found + middle.length;
  }
  return true;
}
