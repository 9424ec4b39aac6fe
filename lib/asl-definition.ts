/**
 * Loads a state machine definition (ASL) and binds its `${Placeholder}`s.
 *
 * The ASL file is the single source of the workflow's logic; the construct only
 * fills in what differs per deployment. Two kinds of placeholder exist:
 *
 * - **numbers** (timeouts): ASL needs a JSON number where the file, to stay
 *   valid JSON, holds the string `"${Name}"`. CloudFormation's
 *   `DefinitionSubstitutions` would leave a string there, so these are replaced
 *   by value at synth time;
 * - **strings** (function ARNs, the partition): passed on as
 *   `DefinitionSubstitutions`, so they resolve at deploy time and the template
 *   keeps both the definition and what goes into it.
 *
 * A placeholder without a substitution, or a substitution no placeholder uses,
 * fails synthesis naming it: a typo must never reach a deployed state machine.
 */
import { readFileSync } from 'node:fs';
import { StateMachineDefinitionError } from './errors.js';

/** What to put in the placeholders of a definition. */
export interface AslSubstitutions {
  /** Placeholders that must become JSON numbers; each must be a whole string value `"${Name}"`. */
  readonly numbers: Readonly<Record<string, number>>;
  /** Placeholders left for CloudFormation's `DefinitionSubstitutions` (values may be tokens). */
  readonly strings: Readonly<Record<string, string>>;
}

/** A definition ready for `DefinitionBody.fromString` plus the substitutions CloudFormation applies. */
export interface BoundAslDefinition {
  /** The definition as compact JSON, numbers substituted, string placeholders still in place. */
  readonly definition: string;
  /** `DefinitionSubstitutions` of the state machine. */
  readonly definitionSubstitutions: Readonly<Record<string, string>>;
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const WHOLE_PLACEHOLDER = /^\$\{([^}]*)\}$/;
/** CloudFormation's DefinitionSubstitutions keys; anything else could not be substituted. */
const PLACEHOLDER_NAME = /^[A-Za-z0-9_]+$/;

/** Where a value sits in the definition, for error messages: `States."Admit event".Resource`. */
function describePath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(part) ? part : JSON.stringify(part);
      return i === 0 ? name : `.${name}`;
    })
    .join('');
}

function listNames(names: Iterable<string>): string {
  const sorted = [...names].sort();
  return sorted.length === 0 ? '(none)' : sorted.join(', ');
}

/**
 * Binds a parsed definition: replaces number placeholders, checks every other
 * placeholder has a string substitution and every substitution is used.
 *
 * @param source names the definition in error messages (usually its file).
 * @throws StateMachineDefinitionError naming the placeholder, where it was found and what was expected.
 */
export function bindAslDefinition(
  definition: unknown,
  substitutions: AslSubstitutions,
  source = 'state machine definition',
): BoundAslDefinition {
  for (const [name, value] of Object.entries(substitutions.numbers)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new StateMachineDefinitionError(
        `${source}: substitution \${${name}} must be a positive whole number, got ${value}`,
      );
    }
    if (name in substitutions.strings) {
      throw new StateMachineDefinitionError(
        `${source}: substitution \${${name}} is given both as a number and as a string`,
      );
    }
  }
  const used = new Set<string>();

  const bind = (value: unknown, path: (string | number)[]): unknown => {
    if (typeof value === 'string') {
      const whole = WHOLE_PLACEHOLDER.exec(value);
      if (whole?.[1] !== undefined && Object.hasOwn(substitutions.numbers, whole[1])) {
        used.add(whole[1]);
        return substitutions.numbers[whole[1]];
      }
      for (const match of value.matchAll(PLACEHOLDER)) {
        const name = match[1] ?? '';
        const where = describePath(path);
        if (Object.hasOwn(substitutions.numbers, name)) {
          throw new StateMachineDefinitionError(
            `${source}: placeholder \${${name}} at ${where} stands for a number and must be the whole value, got "${value}"`,
          );
        }
        if (!PLACEHOLDER_NAME.test(name) || !Object.hasOwn(substitutions.strings, name)) {
          throw new StateMachineDefinitionError(
            `${source}: placeholder \${${name}} at ${where} has no substitution; ` +
              `known placeholders: ${listNames([...Object.keys(substitutions.numbers), ...Object.keys(substitutions.strings)])}`,
          );
        }
        used.add(name);
      }
      return value;
    }
    if (Array.isArray(value)) return value.map((item, i) => bind(item, [...path, i]));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => {
          if (key.includes('${')) {
            throw new StateMachineDefinitionError(
              `${source}: placeholders are only allowed in values, found one in the key "${key}" at ${describePath(path)}`,
            );
          }
          return [key, bind(item, [...path, key])];
        }),
      );
    }
    return value;
  };

  const bound = bind(definition, []);
  const unused = [...Object.keys(substitutions.numbers), ...Object.keys(substitutions.strings)].filter(
    (name) => !used.has(name),
  );
  if (unused.length > 0) {
    throw new StateMachineDefinitionError(
      `${source}: substitutions not used by any placeholder: ${listNames(unused)}`,
    );
  }
  return { definition: JSON.stringify(bound), definitionSubstitutions: { ...substitutions.strings } };
}

/**
 * Reads an ASL file and binds it with {@link bindAslDefinition}.
 *
 * @throws StateMachineDefinitionError when the file cannot be read or parsed, or its placeholders do not match.
 * @example
 * const { definition, definitionSubstitutions } = loadAslDefinition('statemachines/governed-workflow.asl.json', {
 *   numbers: { ApprovalTimeoutSeconds: 86_400 },
 *   strings: { AdmitFunctionArn: admit.functionArn },
 * });
 */
export function loadAslDefinition(file: string, substitutions: AslSubstitutions): BoundAslDefinition {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new StateMachineDefinitionError(`cannot read state machine definition ${file}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new StateMachineDefinitionError(`state machine definition ${file} is not valid JSON`, { cause });
  }
  return bindAslDefinition(parsed, substitutions, file);
}
