/**
 * CloudFormation's intrinsic functions and pseudo parameters, evaluated to
 * local values: `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`,
 * `Fn::Split`, `Fn::ImportValue`, `Fn::If` and the condition functions,
 * `Fn::FindInMap`, `Fn::Base64`, `Fn::GetAZs`, and `AWS::Region`,
 * `AWS::AccountId`, `AWS::Partition`, `AWS::URLSuffix`, `AWS::StackName`,
 * `AWS::StackId`, `AWS::NoValue`, `AWS::NotificationARNs`.
 *
 * What `Ref` and `Fn::GetAtt` give for a resource comes from
 * {@link PhysicalNames}; anything this module cannot evaluate throws a
 * {@link TemplateError} naming it.
 */
import type { PhysicalNames } from './physical-names.js';
import { stableHex } from './physical-names.js';
import { ReentryGuard } from './reentry-guard.js';
import { type StackTemplate, TemplateError, type TemplateResource } from './stack.js';

/** `AWS::NoValue`: the property it stands for is removed. */
const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** The stack a value belongs to; undefined when it belongs to none (a logical id is then looked up across stacks). */
type Scope = StackTemplate | undefined;

/** Finds a resource by logical id, in one stack or, without a stack name, across all. */
export type ResourceLookup = (logicalId: string, stackName?: string) => TemplateResource;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Evaluates template values of the stacks of one app, cross-stack imports included. */
export class IntrinsicEvaluator {
  readonly #stacks: readonly StackTemplate[];
  readonly #lookup: ResourceLookup;
  readonly #names: PhysicalNames;
  readonly #guard = new ReentryGuard();
  /** Export name -> exporting stack and output, built on first use. */
  #exports: Map<string, { stack: StackTemplate; value: unknown }> | undefined;

  constructor(stacks: readonly StackTemplate[], lookup: ResourceLookup, names: PhysicalNames) {
    this.#stacks = stacks;
    this.#lookup = lookup;
    this.#names = names;
  }

  /**
   * Replaces every intrinsic function and pseudo parameter in `value`, nested
   * at any depth, by its local value. `AWS::NoValue` removes the member or item
   * it stands for (and a value that is only `AWS::NoValue` resolves to undefined).
   *
   * @param scope the stack the value belongs to; `Ref` and `Fn::GetAtt` look
   *   there. Without it, they look for a logical id unique across stacks.
   * @throws TemplateError naming the function and the value that could not be resolved.
   */
  resolve(value: unknown, scope?: StackTemplate): unknown {
    const resolved = this.#resolve(value, scope);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  /**
   * Whether the stack's condition `name` holds.
   * @throws TemplateError when it is not defined, not a boolean, or refers to itself.
   */
  condition(stack: StackTemplate, name: string): boolean {
    const definition = stack.template.Conditions[name];
    if (definition === undefined) {
      throw new TemplateError(`condition "${name}" is not defined in stack "${stack.stackName}"`);
    }
    const value = this.#guard.run(`${stack.stackName}/${name}`, 'condition', () =>
      this.#resolve(definition, stack),
    );
    if (typeof value !== 'boolean') {
      throw new TemplateError(`condition "${name}" of stack "${stack.stackName}" is not a boolean`);
    }
    return value;
  }

  #resource(logicalId: string, scope: Scope): TemplateResource {
    return this.#lookup(logicalId, scope?.stackName);
  }

  #pseudo(name: string, scope: Scope): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name === 'AWS::NotificationARNs') return [];
    const stack = scope ?? this.#commonEnvironment(name);
    switch (name) {
      case 'AWS::Partition':
        return stack.partition;
      case 'AWS::Region':
        return stack.region;
      case 'AWS::AccountId':
        return stack.account;
      case 'AWS::URLSuffix':
        return stack.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
      case 'AWS::StackName':
        if (!scope) throw new TemplateError('Ref AWS::StackName needs the stack the value belongs to');
        return stack.stackName;
      case 'AWS::StackId':
        if (!scope) throw new TemplateError('Ref AWS::StackId needs the stack the value belongs to');
        return `arn:${stack.partition}:cloudformation:${stack.region}:${stack.account}:stack/${stack.stackName}/${stableHex(stack.stackName, 32)}`;
      default:
        throw new TemplateError(`unknown pseudo parameter "${name}"`);
    }
  }

  /** A stack standing for "the environment", when a pseudo parameter is resolved without one. */
  #commonEnvironment(name: string): StackTemplate {
    const [first] = this.#stacks;
    if (!first) throw new TemplateError(`cannot resolve ${name}: the cloud assembly has no stacks`);
    if (this.#stacks.some((s) => s.account !== first.account || s.region !== first.region)) {
      throw new TemplateError(
        `cannot resolve ${name} without a stack: the stacks have different environments`,
      );
    }
    return first;
  }

  #ref(name: string, scope: Scope): unknown {
    if (name.startsWith('AWS::')) return this.#pseudo(name, scope);
    const stacks = scope ? [scope] : this.#stacks;
    for (const stack of stacks) {
      const parameter = stack.template.Parameters[name];
      if (parameter) {
        const value = stack.parameterValues[name] ?? parameter.Default;
        if (value === undefined) {
          throw new TemplateError(
            `Ref ${name}: parameter of stack "${stack.stackName}" has no value and no Default`,
          );
        }
        return value;
      }
    }
    return this.#names.refValue(this.#resource(name, scope));
  }

  #exportIndex(): Map<string, { stack: StackTemplate; value: unknown }> {
    if (this.#exports) return this.#exports;
    const index = new Map<string, { stack: StackTemplate; value: unknown }>();
    for (const stack of this.#stacks) {
      for (const output of Object.values(stack.template.Outputs)) {
        if (!output.Export) continue;
        const name = this.#resolve(output.Export.Name, stack);
        if (typeof name === 'string') index.set(name, { stack, value: output.Value });
      }
    }
    this.#exports = index;
    return index;
  }

  #importValue(name: string): unknown {
    const exported = this.#exportIndex().get(name);
    if (!exported) {
      const known = [...this.#exportIndex().keys()];
      throw new TemplateError(
        `Fn::ImportValue "${name}": no stack exports it (exports: ${known.length > 0 ? known.join(', ') : 'none'})`,
      );
    }
    return this.#guard.run(`import:${name}`, 'value', () => this.#resolve(exported.value, exported.stack));
  }

  #sub(args: unknown, scope: Scope): string {
    const [text, variables] = Array.isArray(args) ? args : [args, {}];
    if (typeof text !== 'string' || !isRecord(variables)) {
      throw new TemplateError(
        `Fn::Sub expects a string or [string, {variables}], got ${JSON.stringify(args)}`,
      );
    }
    return text.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
      let value: unknown;
      if (expression in variables) value = this.#resolve(variables[expression], scope);
      else if (!expression.startsWith('AWS::') && expression.includes('.')) {
        const dot = expression.indexOf('.');
        value = this.#names.attributeOf(
          this.#resource(expression.slice(0, dot), scope),
          expression.slice(dot + 1),
        );
      } else value = this.#ref(expression, scope);
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new TemplateError(
          `Fn::Sub \${${expression}} resolved to ${JSON.stringify(value)}, not a string`,
        );
      }
      return String(value);
    });
  }

  #list(value: unknown, fn: string): unknown[] {
    if (!Array.isArray(value)) throw new TemplateError(`${fn} expects a list, got ${JSON.stringify(value)}`);
    return value;
  }

  #intrinsic(fn: string, args: unknown, scope: Scope): unknown {
    switch (fn) {
      case 'Ref': {
        if (typeof args !== 'string')
          throw new TemplateError(`Ref expects a name, got ${JSON.stringify(args)}`);
        return this.#ref(args, scope);
      }
      case 'Fn::GetAtt': {
        const [logicalId, attribute] =
          typeof args === 'string' ? args.split(/\.(.*)/s) : this.#list(args, fn);
        const attributeName = this.#resolve(attribute, scope);
        if (typeof logicalId !== 'string' || typeof attributeName !== 'string') {
          throw new TemplateError(`Fn::GetAtt expects [logicalId, attribute], got ${JSON.stringify(args)}`);
        }
        return this.#names.attributeOf(this.#resource(logicalId, scope), attributeName);
      }
      case 'Fn::Join': {
        const [delimiter, items] = this.#list(args, fn);
        const list = this.#list(this.#resolve(items, scope), fn);
        if (typeof delimiter !== 'string') throw new TemplateError(`Fn::Join expects a string delimiter`);
        return list.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(delimiter);
      }
      case 'Fn::Sub':
        return this.#sub(args, scope);
      case 'Fn::Select': {
        const [index, items] = this.#list(args, fn);
        const position = Number(this.#resolve(index, scope));
        const list = this.#list(this.#resolve(items, scope), fn);
        if (!Number.isInteger(position) || position < 0 || position >= list.length) {
          throw new TemplateError(
            `Fn::Select index ${String(index)} is out of range for ${JSON.stringify(list)}`,
          );
        }
        return list[position];
      }
      case 'Fn::Split': {
        const [delimiter, source] = this.#list(args, fn);
        const text = this.#resolve(source, scope);
        if (typeof delimiter !== 'string' || typeof text !== 'string') {
          throw new TemplateError(`Fn::Split expects [delimiter, string], got ${JSON.stringify(args)}`);
        }
        return text.split(delimiter);
      }
      case 'Fn::ImportValue': {
        const name = this.#resolve(args, scope);
        if (typeof name !== 'string')
          throw new TemplateError(`Fn::ImportValue expects a name, got ${JSON.stringify(name)}`);
        return this.#importValue(name);
      }
      case 'Fn::Base64': {
        const text = this.#resolve(args, scope);
        if (typeof text !== 'string')
          throw new TemplateError(`Fn::Base64 expects a string, got ${JSON.stringify(text)}`);
        return Buffer.from(text, 'utf8').toString('base64');
      }
      case 'Fn::GetAZs': {
        const region = this.#resolve(args, scope);
        const name =
          typeof region === 'string' && region !== '' ? region : this.#pseudo('AWS::Region', scope);
        return ['a', 'b', 'c'].map((zone) => `${String(name)}${zone}`);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = this.#list(args, fn).map((part) => this.#resolve(part, scope));
        const stack = scope ?? this.#commonEnvironment('Fn::FindInMap');
        const value = stack.template.Mappings[String(map)]?.[String(top)]?.[String(second)];
        if (value === undefined) {
          throw new TemplateError(
            `Fn::FindInMap: no ${String(map)}.${String(top)}.${String(second)} in "${stack.stackName}"`,
          );
        }
        return this.#resolve(value, scope);
      }
      case 'Condition': {
        if (typeof args !== 'string' || !scope)
          throw new TemplateError(`Condition expects a name within a stack`);
        return this.condition(scope, args);
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = this.#list(args, fn);
        if (typeof condition !== 'string' || !scope)
          throw new TemplateError(`Fn::If expects a condition within a stack`);
        return this.#resolve(this.condition(scope, condition) ? whenTrue : whenFalse, scope);
      }
      case 'Fn::Equals': {
        const [left, right] = this.#list(args, fn).map((part) => this.#resolve(part, scope));
        return JSON.stringify(left) === JSON.stringify(right);
      }
      case 'Fn::Not':
        return !this.#resolve(this.#list(args, fn)[0], scope);
      case 'Fn::And':
        return this.#list(args, fn).every((part) => this.#resolve(part, scope) === true);
      case 'Fn::Or':
        return this.#list(args, fn).some((part) => this.#resolve(part, scope) === true);
      default:
        throw new TemplateError(`intrinsic function ${fn} is not supported locally`);
    }
  }

  #resolve(value: unknown, scope: Scope): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.#resolve(item, scope)).filter((item) => item !== NO_VALUE);
    }
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    const [only] = keys;
    if (
      only !== undefined &&
      keys.length === 1 &&
      (only === 'Ref' || only === 'Condition' || only.startsWith('Fn::'))
    ) {
      return this.#intrinsic(only, value[only], scope);
    }
    const result: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      const resolved = this.#resolve(member, scope);
      if (resolved !== NO_VALUE) result[key] = resolved;
    }
    return result;
  }
}
