/**
 * Case-insensitive comparison as EventBridge does it (`equals-ignore-case`,
 * and `prefix` / `suffix` / `anything-but` with `equals-ignore-case`).
 *
 * EventBridge matches with AWS's Event Ruler, which does not lower-case both
 * sides. It turns each character of the *pattern* into the set of its lower-
 * and upper-case spellings (Unicode's locale-independent full case mappings,
 * Java's `toLowerCase(Locale.ROOT)` / `toUpperCase(Locale.ROOT)`), and an
 * event value matches when it is one spelling of each pattern character in
 * turn (Ruler's `EqualsIgnoreCaseParser`). So:
 *
 * - a spelling may have another length: pattern `ß` matches `ß` and `SS`
 *   (its upper case), but not `ss`; pattern `straße` matches `STRASSE`;
 * - the event is not folded: pattern `k` matches `k` and `K` but not the
 *   Kelvin sign `K` (U+212A), although that lower-cases to `k`; pattern `ı`
 *   (dotless i) matches `I`, pattern `i` does not match `İ`;
 * - a title-case letter (`ǅ`) matches only its lower and upper forms.
 *
 * Characters outside the Basic Multilingual Plane are compared exactly here:
 * Ruler folds UTF-16 units one at a time, and a lone surrogate has no case.
 */

/** A pattern text, each character as the spellings that match it. */
export type FoldedText = readonly (readonly string[])[];

/** The spellings that match each character of `text` ignoring case. */
export function foldPattern(text: string): FoldedText {
  return Array.from(text, (character) => {
    if (character.length > 1) return [character];
    return [...new Set([character.toLowerCase(), character.toUpperCase()])];
  });
}

/** How much of the event value the pattern text must cover. */
export type FoldedMatch = 'equals' | 'prefix' | 'suffix';

/**
 * Whether `value` equals, starts with or ends with the folded pattern text:
 * some choice of one spelling per pattern character, in order, spells it.
 */
export function matchesFolded(pattern: FoldedText, value: string, how: FoldedMatch): boolean {
  if (how === 'suffix') {
    // Walk from the end: the positions where the rest of the pattern can start.
    let ends = new Set([value.length]);
    for (let i = pattern.length - 1; i >= 0 && ends.size > 0; i--) {
      const next = new Set<number>();
      for (const end of ends) {
        for (const spelling of pattern[i] ?? []) {
          if (end >= spelling.length && value.startsWith(spelling, end - spelling.length)) {
            next.add(end - spelling.length);
          }
        }
      }
      ends = next;
    }
    return ends.size > 0;
  }
  let starts = new Set([0]);
  for (const spellings of pattern) {
    const next = new Set<number>();
    for (const start of starts) {
      for (const spelling of spellings)
        if (value.startsWith(spelling, start)) next.add(start + spelling.length);
    }
    starts = next;
    if (starts.size === 0) return false;
  }
  return how === 'prefix' || starts.has(value.length);
}
