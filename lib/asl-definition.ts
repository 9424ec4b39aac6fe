/**
 * Loads a state machine definition (ASL) and binds its `${Placeholder}`s for a
 * construct (the rule itself is `core/workflow/asl-binding.ts`): a placeholder
 * without a substitution, or a substitution no placeholder uses, fails
 * synthesis naming it and the construct.
 */
import { readFileSync } from 'node:fs';
import type { IConstruct } from 'constructs';
import {
  AslBindingError,
  type AslSubstitutions,
  type BoundAslDefinition,
  bindAsl,
} from '../core/workflow/asl-binding.js';
import { StateMachineDefinitionError } from './errors.js';

export type { AslSubstitutions, BoundAslDefinition } from '../core/workflow/asl-binding.js';

/**
 * Binds a parsed definition (`bindAsl`, `core/workflow/asl-binding.ts`: one
 * home for the rule, which `awf packs test` also binds with), failing as a
 * construct error.
 *
 * @param scope the construct the definition is for; errors name its path.
 * @param source names the definition in error messages (usually its file).
 * @throws StateMachineDefinitionError naming the placeholder, where it was found and what was expected.
 */
export function bindAslDefinition(
  definition: unknown,
  substitutions: AslSubstitutions,
  source = 'state machine definition',
  scope?: IConstruct,
): BoundAslDefinition {
  try {
    return bindAsl(definition, substitutions, source);
  } catch (error) {
    if (error instanceof AslBindingError) throw new StateMachineDefinitionError(error.message, scope);
    throw error;
  }
}

/**
 * Reads an ASL file and binds it with {@link bindAslDefinition}.
 *
 * @param scope the construct the definition is for; errors name its path.
 * @throws StateMachineDefinitionError when the file cannot be read or parsed, or its placeholders do not match.
 * @example
 * const { definition, definitionSubstitutions } = loadAslDefinition('statemachines/governed-workflow.asl.json', {
 *   numbers: { ApprovalTimeoutSeconds: 86_400 },
 *   strings: { AdmitFunctionArn: admit.functionArn },
 * }, this);
 */
export function loadAslDefinition(
  file: string,
  substitutions: AslSubstitutions,
  scope?: IConstruct,
): BoundAslDefinition {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new StateMachineDefinitionError(`cannot read state machine definition ${file}`, scope, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new StateMachineDefinitionError(`state machine definition ${file} is not valid JSON`, scope, {
      cause,
    });
  }
  return bindAslDefinition(parsed, substitutions, file, scope);
}
