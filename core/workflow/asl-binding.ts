/**
 * Binds the `${Placeholder}`s of a state machine definition (ASL).
 *
 * The ASL file is the single source of the workflow's logic; what differs per
 * deployment is filled in here. Two kinds of placeholder exist:
 *
 * - **numbers** (timeouts): ASL needs a JSON number where the file, to stay
 *   valid JSON, holds the string `"${Name}"`. CloudFormation's
 *   `DefinitionSubstitutions` would leave a string there, so these are replaced
 *   by value;
 * - **strings** (function ARNs, the partition): left in place and returned as
 *   `DefinitionSubstitutions`, so in AWS they resolve at deploy time.
 *
 * A placeholder without a substitution, or a substitution no placeholder uses,
 * fails naming it: a typo must never reach a state machine. `lib/` binds the
 * definition it deploys with this, and `awf packs test` the one it runs.
 */
import { AwfError } from '../errors.js';

/** A definition's placeholders and its substitutions do not match. */
export class AslBindingError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'AslBindingError';
  }
}

/** What to put in the placeholders of a definition. */
export interface AslSubstitutions {
  /** Placeholders that must become JSON numbers; each must be a whole string value `"${Name}"`. */
  readonly numbers: Readonly<Record<string, number>>;
  /** Placeholders left for CloudFormation's `DefinitionSubstitutions` (values may be tokens). */
  readonly strings: Readonly<Record<string, string>>;
}

/** A definition with its numbers substituted, plus the string substitutions still to apply. */
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
 * @throws AslBindingError naming the placeholder, where it was found and what was expected.
 */
export function bindAsl(
  definition: unknown,
  substitutions: AslSubstitutions,
  source = 'state machine definition',
): BoundAslDefinition {
  const fail = (message: string): never => {
    throw new AslBindingError(message);
  };
  for (const [name, value] of Object.entries(substitutions.numbers)) {
    if (!Number.isInteger(value) || value < 1) {
      fail(`${source}: substitution \${${name}} must be a positive whole number, got ${value}`);
    }
    if (name in substitutions.strings) {
      fail(`${source}: substitution \${${name}} is given both as a number and as a string`);
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
          fail(
            `${source}: placeholder \${${name}} at ${where} stands for a number and must be the whole value, got "${value}"`,
          );
        }
        if (!PLACEHOLDER_NAME.test(name) || !Object.hasOwn(substitutions.strings, name)) {
          fail(
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
            fail(
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
    fail(`${source}: substitutions not used by any placeholder: ${listNames(unused)}`);
  }
  return { definition: JSON.stringify(bound), definitionSubstitutions: { ...substitutions.strings } };
}

/**
 * The definition with its string substitutions applied too, as Step Functions
 * runs it once CloudFormation substituted them (the values must be plain strings).
 */
export function applyStringSubstitutions(bound: BoundAslDefinition): string {
  return bound.definition.replace(
    /\$\{([A-Za-z0-9_]+)\}/g,
    (whole, name: string) => bound.definitionSubstitutions[name] ?? whole,
  );
}
