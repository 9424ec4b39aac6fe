/**
 * Splits a Cedar policy file into the source text of each policy, in file order.
 *
 * Cedar's own `policySetTextToParts` returns the policies sorted by their
 * generated ids as strings (`policy0, policy1, policy10, policy2, ...`), which
 * loses the file order that fallback ids (`policy<N>`) and line numbers need.
 * Cedar's lexical grammar makes splitting safe: outside string literals and
 * `//` comments, `;` appears only at the end of a policy. The policy set
 * parser cross-checks the result against Cedar's own parts.
 */

/** One policy's text as written, from its first annotation to its closing `;`. */
export interface PolicySource {
  /** The exact source slice; comments inside the policy are kept, comments before it are not. */
  readonly text: string;
  /** 0-based position of the policy in the file. */
  readonly index: number;
  /** 1-based line of the policy's first character. */
  readonly line: number;
}

/** The policies of a file, and what could not be split. */
export interface SplitPolicySource {
  readonly policies: readonly PolicySource[];
  /** Messages such as `line 12: unterminated string literal`; empty when the file split cleanly. */
  readonly problems: readonly string[];
}

/** 1-based line number of a character offset. */
export function lineAt(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Splits Cedar policy text into policies.
 * @example
 * splitPolicySource('// comment\npermit (principal, action, resource);')
 * // { policies: [{ text: 'permit (principal, action, resource);', index: 0, line: 2 }], problems: [] }
 */
export function splitPolicySource(source: string): SplitPolicySource {
  const policies: PolicySource[] = [];
  const problems: string[] = [];
  let start = -1;
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '/' && source[i + 1] === '/') {
      const newline = source.indexOf('\n', i);
      i = newline < 0 ? source.length : newline + 1;
      continue;
    }
    if (ch === undefined || /\s/.test(ch)) {
      i++;
      continue;
    }
    if (start < 0) start = i;
    if (ch === '"') {
      const opened = i;
      i++;
      while (i < source.length && source[i] !== '"') i += source[i] === '\\' ? 2 : 1;
      if (i >= source.length) {
        problems.push(`line ${lineAt(source, opened)}: unterminated string literal`);
        return { policies, problems };
      }
    } else if (ch === ';') {
      policies.push({
        text: source.slice(start, i + 1),
        index: policies.length,
        line: lineAt(source, start),
      });
      start = -1;
    }
    i++;
  }
  if (start >= 0) {
    problems.push(
      `line ${lineAt(source, start)}: expected the policy to end with ";", found the end of the file`,
    );
  }
  return { policies, problems };
}
