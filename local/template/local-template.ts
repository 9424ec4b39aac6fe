/**
 * The synthesized stacks as the local cloud reads them: their resources, found
 * by logical id or type, with every CloudFormation value resolved to a local
 * one, the Lambda bundles they were built from, and the state machine
 * definitions as Step Functions would run them.
 *
 * The local cloud runs what `cdk synth` produced, not a second description of
 * the system: tables are created from the template's own definitions, Lambdas
 * get the environment the template gives them, state machines run the
 * template's definition. Names come from {@link PhysicalNames}, values from
 * {@link IntrinsicEvaluator}; {@link loadCloudAssembly} reads one from `cdk.out`.
 */
import { isAbsolute, join } from 'node:path';
import { IntrinsicEvaluator } from './intrinsics.js';
import { PhysicalNames } from './physical-names.js';
import { type StackTemplate, TemplateError, type TemplateResource } from './stack.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every stack of a cloud assembly, with a resolver for CloudFormation values.
 *
 * Logical ids are unique within a stack but not across stacks; methods taking
 * a logical id accept an optional stack name and fail with the candidates when
 * the id is ambiguous without it.
 */
export class LocalTemplate {
  readonly #stacks: readonly StackTemplate[];
  readonly #assetSources: ReadonlyMap<string, string>;
  readonly #names: PhysicalNames;
  readonly #intrinsics: IntrinsicEvaluator;
  #resources: readonly TemplateResource[] | undefined;

  /**
   * @param cdkOutDir the cloud assembly's directory (empty for templates read from memory).
   * @param assetSources asset hash -> absolute path of its source, from the asset manifests.
   */
  constructor(
    readonly cdkOutDir: string,
    stacks: readonly StackTemplate[],
    assetSources: ReadonlyMap<string, string> = new Map(),
  ) {
    this.#stacks = stacks;
    this.#assetSources = assetSources;
    this.#names = new PhysicalNames({
      stack: (stackName) => this.stack(stackName),
      resolveString: (value, stackName) => this.resolveString(value, stackName),
    });
    this.#intrinsics = new IntrinsicEvaluator(
      stacks,
      (logicalId, stackName) => this.resource(logicalId, stackName),
      this.#names,
    );
  }

  /** The stacks, in the order of the assembly's manifest. */
  get stacks(): readonly StackTemplate[] {
    return this.#stacks;
  }

  /** Every resource of every stack whose `Condition` (if any) holds. */
  get resources(): readonly TemplateResource[] {
    this.#resources ??= this.#stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources)
        .filter(([, r]) => r.Condition === undefined || this.#intrinsics.condition(stack, r.Condition))
        .map(([logicalId, r]) => ({
          stackName: stack.stackName,
          logicalId,
          type: r.Type,
          properties: r.Properties ?? {},
          metadata: r.Metadata ?? {},
        })),
    );
    return this.#resources;
  }

  /** The stack called `stackName`. @throws TemplateError naming the known stacks. */
  stack(stackName: string): StackTemplate {
    const stack = this.#stacks.find((s) => s.stackName === stackName);
    if (!stack) {
      throw new TemplateError(
        `no stack "${stackName}" in the cloud assembly (stacks: ${this.#stacks.map((s) => s.stackName).join(', ')})`,
      );
    }
    return stack;
  }

  /** Resources of one CloudFormation type, such as `AWS::Lambda::Function`, across all stacks. */
  resourcesOfType(type: string): TemplateResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /**
   * The resource with this logical id.
   * @throws TemplateError when no stack has it, or several do and `stackName` is not given.
   */
  resource(logicalId: string, stackName?: string): TemplateResource {
    const matches = this.resources.filter(
      (r) => r.logicalId === logicalId && (stackName === undefined || r.stackName === stackName),
    );
    const [match] = matches;
    if (match && matches.length === 1) return match;
    if (matches.length > 1) {
      throw new TemplateError(
        `logical id "${logicalId}" exists in several stacks (${matches.map((m) => m.stackName).join(', ')}); name the stack`,
      );
    }
    throw new TemplateError(
      `no resource "${logicalId}"${stackName === undefined ? '' : ` in stack "${stackName}"`} in the cloud assembly`,
    );
  }

  /** The resource's local physical name: its name property if the template sets one, else `<stackName>-<logicalId>`. */
  physicalName(logicalId: string, stackName?: string): string {
    return this.#names.nameOf(this.resource(logicalId, stackName));
  }

  /** The resource's ARN for the stack's account and region. @throws TemplateError for types without a known ARN shape. */
  arnOf(logicalId: string, stackName?: string): string {
    return this.#names.arnOf(this.resource(logicalId, stackName));
  }

  /**
   * Resolves a template value: intrinsic functions (`Ref`, `Fn::GetAtt`,
   * `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`, `Fn::ImportValue`,
   * `Fn::If` and the condition functions, `Fn::FindInMap`, `Fn::Base64`,
   * `Fn::GetAZs`) and pseudo parameters are replaced by local values, nested
   * at any depth. `AWS::NoValue` removes the member or item it stands for.
   *
   * @param stackName the stack the value belongs to; `Ref` and `Fn::GetAtt`
   *   look there. Without it, they look for a logical id unique across stacks.
   * @throws TemplateError naming the function and the value that could not be resolved.
   */
  resolve(value: unknown, stackName?: string): unknown {
    return this.#intrinsics.resolve(value, stackName === undefined ? undefined : this.stack(stackName));
  }

  /** Resolves a value that must be a string. @throws TemplateError showing what it resolved to otherwise. */
  resolveString(value: unknown, stackName?: string): string {
    const resolved = this.resolve(value, stackName);
    if (typeof resolved !== 'string') {
      throw new TemplateError(
        `expected a string, got ${JSON.stringify(resolved)} from ${JSON.stringify(value)}`,
      );
    }
    return resolved;
  }

  /** The resource's properties with every intrinsic resolved. */
  resolvedProperties(resource: TemplateResource): Record<string, unknown> {
    const resolved = this.resolve(resource.properties, resource.stackName);
    return isRecord(resolved) ? resolved : {};
  }

  /**
   * Absolute path of the asset directory a resource was built from (a Lambda
   * bundle): the `aws:asset:path` metadata `cdk synth` writes, or else the
   * asset manifest entry whose hash the resource's `Code.S3Key` names.
   * @throws TemplateError when the resource has no local asset.
   */
  assetPath(logicalId: string, stackName?: string): string {
    const resource = this.resource(logicalId, stackName);
    const stack = this.stack(resource.stackName);
    const fromMetadata = resource.metadata['aws:asset:path'];
    if (typeof fromMetadata === 'string') {
      return isAbsolute(fromMetadata) ? fromMetadata : join(stack.assemblyDir, fromMetadata);
    }
    const code = resource.properties.Code;
    if (isRecord(code) && code.S3Key !== undefined) {
      const key = this.resolveString(code.S3Key, resource.stackName);
      const hash = (key.split('/').pop() ?? key).replace(/\.[a-z]+$/, '');
      const source = this.#assetSources.get(hash);
      if (source !== undefined) return source;
    }
    throw new TemplateError(
      `resource "${resource.stackName}/${logicalId}" has no local asset: no "aws:asset:path" metadata and no asset manifest entry for its Code`,
    );
  }

  /**
   * A state machine's definition with its `DefinitionSubstitutions` applied,
   * as Step Functions would run it.
   * @throws TemplateError when a `${placeholder}` has no substitution.
   */
  stateMachineDefinition(logicalId: string, stackName?: string): string {
    const resource = this.resource(logicalId, stackName);
    const properties = this.resolvedProperties(resource);
    const raw =
      properties.Definition !== undefined
        ? JSON.stringify(properties.Definition)
        : properties.DefinitionString;
    if (typeof raw !== 'string') {
      throw new TemplateError(
        `state machine "${resource.stackName}/${logicalId}" has no inline Definition or DefinitionString`,
      );
    }
    const substitutions = isRecord(properties.DefinitionSubstitutions)
      ? properties.DefinitionSubstitutions
      : {};
    return raw.replace(/\$\{([^}]+)\}/g, (_match, key: string) => {
      const value = substitutions[key];
      if (value === undefined) {
        throw new TemplateError(
          `state machine "${resource.stackName}/${logicalId}" uses \${${key}} but DefinitionSubstitutions has no "${key}"`,
        );
      }
      return typeof value === 'string' ? value : JSON.stringify(value);
    });
  }
}
