/**
 * The action catalogue of a workflow: the only actions the model may propose.
 *
 * Every lookup of an action by a name that came from outside (a model's tool
 * call, state data, a lineage record) goes through here. Action names are keys
 * of a plain object, so a bare `spec.actions[name]` would answer for
 * `constructor` or `__proto__`; this accessor only answers for the catalogue's
 * own entries.
 */
import type { ActionSpec, WorkflowSpec } from './spec.js';

/** The catalogue entry named `name`, or undefined when the catalogue has none. */
export function catalogueAction(spec: WorkflowSpec, name: string): ActionSpec | undefined {
  return Object.hasOwn(spec.actions, name) ? spec.actions[name] : undefined;
}

/** Whether `name` is an action of the catalogue. */
export function isCatalogueAction(spec: WorkflowSpec, name: string): boolean {
  return catalogueAction(spec, name) !== undefined;
}

/** The catalogue's action names, in spec order. */
export function catalogueActionNames(spec: WorkflowSpec): string[] {
  return Object.keys(spec.actions);
}

/** "action "x" is not in the catalogue of W (a, b)": the one wording every refusal uses. */
export function notInCatalogue(spec: WorkflowSpec, name: string): string {
  return `action ${JSON.stringify(name)} is not in the catalogue of ${spec.id} (${catalogueActionNames(spec).join(', ')})`;
}
