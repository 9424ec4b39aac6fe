/**
 * Reading synthesized state machine definitions: substitutions applied, every
 * state visited with where it sits.
 */
import { createRequire } from 'node:module';

/** What asl-validator 4 returns. */
interface AslValidation {
  readonly isValid: boolean;
  errorsText(separator?: string): string;
}

// asl-validator is CommonJS without type declarations.
const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
) => AslValidation;

/**
 * Validates a definition with asl-validator (schemas, paths, transitions);
 * 85-300 ms a call. The validator writes defaults (`QueryLanguage`) into what
 * it is given, so it gets a copy.
 */
export function validateAsl(definition: unknown): AslValidation {
  return aslValidator(structuredClone(definition));
}

/** A state of a definition. */
export type AslState = Readonly<Record<string, unknown>>;

/** A state and where it sits. */
export interface VisitedState {
  readonly name: string;
  readonly state: AslState;
  /** The Map or Parallel state whose processor or branch holds this state, if any. */
  readonly enclosing?: VisitedState;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function statesOf(container: unknown): [string, AslState][] {
  if (!isRecord(container) || !isRecord(container.States)) return [];
  return Object.entries(container.States).flatMap(([name, state]) =>
    isRecord(state) ? [[name, state]] : [],
  );
}

/** Every state of a definition, including those inside Map processors and Parallel branches. */
export function allStates(definition: unknown, enclosing?: VisitedState): VisitedState[] {
  return statesOf(definition).flatMap(([name, state]) => {
    const visited: VisitedState = { name, state, enclosing };
    const processors = [
      state.ItemProcessor,
      state.Iterator,
      ...(Array.isArray(state.Branches) ? state.Branches : []),
    ];
    return [visited, ...processors.flatMap((processor) => allStates(processor, visited))];
  });
}

/** Replaces `${Name}` with each substitution's value, as Step Functions does at deploy time. */
export function applySubstitutions(
  definition: string,
  substitutions: Readonly<Record<string, string>>,
): string {
  return definition.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => substitutions[name] ?? whole);
}
