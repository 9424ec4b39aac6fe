/**
 * Actions bound to their case: each input field an action's `bind` names must
 * equal the admitted event's value at the bound path, so a model answering for
 * order A cannot act on order B. Checked by the decision before any policy.
 */
import { canonicalJson } from '../canonical-json.js';
import { readEventPath } from '../redaction.js';
import type { ActionSpec } from '../workflow/spec.js';

/**
 * What in `input` breaks the action's bindings against `event`: a bound field
 * whose value differs from the event's, or a bound path the event lacks (a
 * binding that cannot be checked fails closed). Values are never echoed: an
 * event field may be personal data.
 *
 * @returns one problem per broken binding, empty when every binding holds.
 */
export function bindingProblems(
  action: Pick<ActionSpec, 'bind'>,
  input: Readonly<Record<string, unknown>>,
  event: unknown,
): string[] {
  const problems: string[] = [];
  for (const [field, path] of Object.entries(action.bind ?? {})) {
    const expected = readEventPath(event, path);
    if (expected === undefined || expected === null) {
      problems.push(`input.${field} is bound to ${path}, which the admitted event does not have`);
    } else if (canonicalJson(input[field]) !== canonicalJson(expected)) {
      problems.push(`input.${field} is not the run's case: it must equal ${path} of the admitted event`);
    }
  }
  return problems;
}
