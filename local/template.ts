/**
 * The synthesized stacks, read from a CDK cloud assembly (`cdk.out/`), with
 * CloudFormation's intrinsic functions resolved to local values.
 *
 * The local cloud runs what `cdk synth` produced, not a second description of
 * the system: tables are created from the template's own definitions, Lambdas
 * get the environment the template gives them, state machines run the
 * template's definition. Where CloudFormation would invent a physical name or
 * an ARN at deploy time, this module derives a deterministic one, so every part
 * of the local cloud computes the same name for the same resource:
 *
 * - a name property the template sets (`TableName`, `FunctionName`, `Name`, ...) is used as is;
 * - otherwise the name is `<stackName>-<logicalId>`;
 * - ARNs have the usual shape for the stack's account and region
 *   (`arn:aws:lambda:us-east-1:123456789012:function:<name>`).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { AwfError } from '../core/errors.js';

/** Account used for stacks synthesized without an explicit environment. */
export const DEFAULT_LOCAL_ACCOUNT = '123456789012';
/** Region used for stacks synthesized without an explicit environment. */
export const DEFAULT_LOCAL_REGION = 'us-east-1';

/** The cloud assembly or a template cannot be read, or a value in it cannot be resolved locally. */
export class TemplateError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
  }
}

const manifestSchema = z.object({
  artifacts: z
    .record(
      z.string(),
      z.object({
        type: z.string(),
        environment: z.string().optional(),
        displayName: z.string().optional(),
        properties: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .default({}),
});

const stackPropertiesSchema = z.object({
  templateFile: z.string().min(1),
  stackName: z.string().min(1).optional(),
  parameters: z.record(z.string(), z.string()).optional(),
});

const resourceSchema = z.object({
  Type: z.string().min(1),
  Properties: z.record(z.string(), z.unknown()).optional(),
  Metadata: z.record(z.string(), z.unknown()).optional(),
  Condition: z.string().optional(),
});

const templateSchema = z.object({
  Resources: z.record(z.string(), resourceSchema).default({}),
  Outputs: z
    .record(
      z.string(),
      z.object({
        Value: z.unknown(),
        Export: z.object({ Name: z.unknown() }).optional(),
        Condition: z.string().optional(),
      }),
    )
    .default({}),
  Parameters: z
    .record(z.string(), z.object({ Type: z.string(), Default: z.unknown().optional() }))
    .default({}),
  Conditions: z.record(z.string(), z.unknown()).default({}),
  Mappings: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))).default({}),
});

const assetManifestSchema = z.object({
  files: z
    .record(
      z.string(),
      z.object({
        source: z.object({ path: z.string().optional(), packaging: z.string().optional() }),
      }),
    )
    .default({}),
});

/** A CloudFormation template as this module reads it. */
export type CfnTemplate = z.output<typeof templateSchema>;

/** One stack of the cloud assembly. */
export interface StackTemplate {
  /** The CloudFormation stack name (the artifact's `stackName`, or its id). */
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  /** Absolute path of the template file. */
  readonly templateFile: string;
  /** The assembly directory the template's relative asset paths start from. */
  readonly assemblyDir: string;
  readonly template: CfnTemplate;
  /** Parameter values the assembly passes to the stack. */
  readonly parameterValues: Readonly<Record<string, string>>;
}

/** One resource of one stack, as written in the template (unresolved). */
export interface TemplateResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Names of the properties that set a resource's physical name, per type. */
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::Events::Archive': 'ArchiveName',
  'AWS::Scheduler::Schedule': 'Name',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::Policy': 'PolicyName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::KMS::Alias': 'AliasName',
};

/** `AWS::NoValue`: the property it stands for is removed. */
const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

type Scope = StackTemplate | undefined;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new TemplateError(`${what} not found at ${path}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new TemplateError(`${what} at ${path} is not valid JSON`, { cause });
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
  );
  throw new TemplateError(`${what} is malformed: ${problems.join('; ')}`);
}

/** A short deterministic hex string, for ids AWS would generate (KMS key ids, role ids). */
function stableHex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
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
  /** Export name -> exporting stack and output, built on first use. */
  #exports: Map<string, { stack: StackTemplate; value: unknown }> | undefined;
  #resources: readonly TemplateResource[] | undefined;
  /** Guards against values that refer to themselves (a name built from its own ARN). */
  readonly #resolving = new Set<string>();

  constructor(
    readonly cdkOutDir: string,
    stacks: readonly StackTemplate[],
    assetSources: ReadonlyMap<string, string> = new Map(),
  ) {
    this.#stacks = stacks;
    this.#assetSources = assetSources;
  }

  /** The stacks, in the order of the assembly's manifest. */
  get stacks(): readonly StackTemplate[] {
    return this.#stacks;
  }

  /** Every resource of every stack whose `Condition` (if any) holds. */
  get resources(): readonly TemplateResource[] {
    this.#resources ??= this.#stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources)
        .filter(([, r]) => r.Condition === undefined || this.#condition(stack, r.Condition))
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
    const resource = this.resource(logicalId, stackName);
    return this.#physicalName(resource);
  }

  /** The resource's ARN for the stack's account and region. @throws TemplateError for types without a known ARN shape. */
  arnOf(logicalId: string, stackName?: string): string {
    const resource = this.resource(logicalId, stackName);
    return this.#arn(resource);
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
    const resolved = this.#resolve(value, stackName === undefined ? undefined : this.stack(stackName));
    return resolved === NO_VALUE ? undefined : resolved;
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

  /** Runs `compute` unless the same `what` of the same `subject` is already being computed. */
  #guarded<T>(subject: string, what: string, compute: () => T): T {
    const key = `${subject}#${what}`;
    if (this.#resolving.has(key))
      throw new TemplateError(`"${subject}" refers to itself while resolving its ${what}`);
    this.#resolving.add(key);
    try {
      return compute();
    } finally {
      this.#resolving.delete(key);
    }
  }

  #physicalName(resource: TemplateResource): string {
    const nameProperty = NAME_PROPERTY[resource.type];
    const explicit = nameProperty === undefined ? undefined : resource.properties[nameProperty];
    if (explicit !== undefined) {
      // Every Ref, GetAtt and ARN goes through here, so this guard catches any name built from itself.
      return this.#guarded(`${resource.stackName}/${resource.logicalId}`, 'name', () =>
        this.resolveString(explicit, resource.stackName),
      );
    }
    const generated = `${resource.stackName}-${resource.logicalId}`;
    if (resource.type === 'AWS::SQS::Queue' && resource.properties.FifoQueue === true)
      return `${generated}.fifo`;
    if (resource.type === 'AWS::KMS::Key') return this.#keyId(resource);
    return generated;
  }

  #keyId(resource: TemplateResource): string {
    const hex = stableHex(`${resource.stackName}/${resource.logicalId}`, 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  #arn(resource: TemplateResource): string {
    const stack = this.stack(resource.stackName);
    const { partition: p, region: r, account: a } = stack;
    const name = this.#physicalName(resource);
    switch (resource.type) {
      case 'AWS::Lambda::Function':
        return `arn:${p}:lambda:${r}:${a}:function:${name}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${p}:states:${r}:${a}:stateMachine:${name}`;
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return `arn:${p}:dynamodb:${r}:${a}:table/${name}`;
      case 'AWS::Events::EventBus':
        return `arn:${p}:events:${r}:${a}:event-bus/${name}`;
      case 'AWS::Events::Rule': {
        const bus = this.#ruleBusName(resource);
        return `arn:${p}:events:${r}:${a}:rule/${bus === 'default' ? '' : `${bus}/`}${name}`;
      }
      case 'AWS::Events::Archive':
        return `arn:${p}:events:${r}:${a}:archive/${name}`;
      case 'AWS::Scheduler::Schedule':
        return `arn:${p}:scheduler:${r}:${a}:schedule/default/${name}`;
      case 'AWS::SQS::Queue':
        return `arn:${p}:sqs:${r}:${a}:${name}`;
      case 'AWS::SNS::Topic':
        return `arn:${p}:sns:${r}:${a}:${name}`;
      case 'AWS::IAM::Role':
        return `arn:${p}:iam::${a}:role/${name}`;
      case 'AWS::IAM::ManagedPolicy':
        return `arn:${p}:iam::${a}:policy/${name}`;
      case 'AWS::KMS::Key':
        return `arn:${p}:kms:${r}:${a}:key/${name}`;
      case 'AWS::KMS::Alias':
        return `arn:${p}:kms:${r}:${a}:${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:${p}:logs:${r}:${a}:log-group:${name}:*`;
      case 'AWS::S3::Bucket':
        return `arn:${p}:s3:::${name}`;
      default:
        throw new TemplateError(
          `no local ARN shape for ${resource.type} ("${resource.stackName}/${resource.logicalId}")`,
        );
    }
  }

  #ruleBusName(resource: TemplateResource): string {
    const bus = resource.properties.EventBusName;
    if (bus === undefined) return 'default';
    const value = this.resolveString(bus, resource.stackName);
    // EventBusName takes a name or an ARN.
    return value.startsWith('arn:') ? (value.split(':event-bus/')[1] ?? value) : value;
  }

  /** What `Ref` returns for a resource, per CloudFormation's documentation of each type. */
  #refValue(resource: TemplateResource): string {
    switch (resource.type) {
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SNS::Topic':
      case 'AWS::Events::Archive':
        return this.#arn(resource);
      case 'AWS::SQS::Queue':
        return this.#queueUrl(resource);
      case 'AWS::Events::Rule': {
        const bus = this.#ruleBusName(resource);
        const name = this.#physicalName(resource);
        return bus === 'default' ? name : `${bus}|${name}`;
      }
      default:
        return this.#physicalName(resource);
    }
  }

  #queueUrl(resource: TemplateResource): string {
    const stack = this.stack(resource.stackName);
    return `https://sqs.${stack.region}.amazonaws.com/${stack.account}/${this.#physicalName(resource)}`;
  }

  #getAtt(resource: TemplateResource, attribute: string): string {
    if (attribute === 'Arn') return this.#arn(resource);
    switch (`${resource.type}.${attribute}`) {
      case 'AWS::DynamoDB::Table.StreamArn':
      case 'AWS::DynamoDB::GlobalTable.StreamArn':
        // A stream's label is its creation time; a fixed one keeps the ARN deterministic.
        return `${this.#arn(resource)}/stream/1970-01-01T00:00:00.000`;
      case 'AWS::DynamoDB::GlobalTable.TableId':
        return stableHex(`${resource.stackName}/${resource.logicalId}`, 32);
      case 'AWS::SQS::Queue.QueueName':
      case 'AWS::StepFunctions::StateMachine.Name':
      case 'AWS::Events::EventBus.Name':
      case 'AWS::SNS::Topic.TopicName':
      case 'AWS::Lambda::Function.FunctionName':
        return this.#physicalName(resource);
      case 'AWS::SQS::Queue.QueueUrl':
        return this.#queueUrl(resource);
      case 'AWS::SNS::Topic.TopicArn':
        return this.#arn(resource);
      case 'AWS::KMS::Key.KeyId':
        return this.#keyId(resource);
      case 'AWS::IAM::Role.RoleId':
        return `AROA${stableHex(`${resource.stackName}/${resource.logicalId}`, 17).toUpperCase()}`;
      default:
        throw new TemplateError(
          `Fn::GetAtt ${resource.logicalId}.${attribute}: attribute "${attribute}" of ${resource.type} is not supported locally`,
        );
    }
  }

  #lookup(logicalId: string, scope: Scope): TemplateResource {
    return this.resource(logicalId, scope?.stackName);
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
    const resource = this.#lookup(name, scope);
    return this.#refValue(resource);
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
    return this.#guarded(`import:${name}`, 'value', () => this.#resolve(exported.value, exported.stack));
  }

  #condition(stack: StackTemplate, name: string): boolean {
    const definition = stack.template.Conditions[name];
    if (definition === undefined) {
      throw new TemplateError(`condition "${name}" is not defined in stack "${stack.stackName}"`);
    }
    const value = this.#guarded(`${stack.stackName}/${name}`, 'condition', () =>
      this.#resolve(definition, stack),
    );
    if (typeof value !== 'boolean') {
      throw new TemplateError(`condition "${name}" of stack "${stack.stackName}" is not a boolean`);
    }
    return value;
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
        value = this.#getAtt(this.#lookup(expression.slice(0, dot), scope), expression.slice(dot + 1));
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
        return this.#getAtt(this.#lookup(logicalId, scope), attributeName);
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
        return this.#condition(scope, args);
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = this.#list(args, fn);
        if (typeof condition !== 'string' || !scope)
          throw new TemplateError(`Fn::If expects a condition within a stack`);
        return this.#resolve(this.#condition(scope, condition) ? whenTrue : whenFalse, scope);
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

function parseEnvironment(environment: string | undefined): { account: string; region: string } {
  // `aws://<account>/<region>`; environment-agnostic stacks say unknown-account / unknown-region.
  const match = /^aws:\/\/([^/]+)\/([^/]+)$/.exec(environment ?? '');
  const account = match?.[1];
  const region = match?.[2];
  return {
    account: account && /^\d{12}$/.test(account) ? account : DEFAULT_LOCAL_ACCOUNT,
    region: region && region !== 'unknown-region' ? region : DEFAULT_LOCAL_REGION,
  };
}

function readAssembly(dir: string, stacks: StackTemplate[], assets: Map<string, string>): void {
  const manifest = parseWith(
    manifestSchema,
    readJson(join(dir, 'manifest.json'), 'cloud assembly manifest'),
    join(dir, 'manifest.json'),
  );
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts)) {
    if (artifact.type === 'aws:cloudformation:stack') {
      const properties = parseWith(
        stackPropertiesSchema,
        artifact.properties ?? {},
        `stack artifact "${artifactId}"`,
      );
      const templateFile = join(dir, properties.templateFile);
      const template = parseWith(
        templateSchema,
        readJson(templateFile, `template of stack "${artifactId}"`),
        templateFile,
      );
      const { account, region } = parseEnvironment(artifact.environment);
      stacks.push({
        stackName: properties.stackName ?? artifactId,
        account,
        region,
        partition: partitionOf(region),
        templateFile,
        assemblyDir: dir,
        template,
        parameterValues: properties.parameters ?? {},
      });
    } else if (artifact.type === 'cdk:asset-manifest') {
      const file = artifact.properties?.file;
      if (typeof file !== 'string') continue;
      const assetManifest = parseWith(
        assetManifestSchema,
        readJson(join(dir, file), 'asset manifest'),
        join(dir, file),
      );
      for (const [hash, entry] of Object.entries(assetManifest.files)) {
        if (entry.source.path !== undefined) assets.set(hash, resolvePath(dir, entry.source.path));
      }
    } else if (artifact.type === 'cdk:cloud-assembly') {
      // A Stage synthesizes into a nested assembly in a sub-directory.
      const directoryName = artifact.properties?.directoryName;
      if (typeof directoryName === 'string') readAssembly(join(dir, directoryName), stacks, assets);
    }
  }
}

/**
 * Reads every stack of the cloud assembly in `cdkOutDir` (nested stage
 * assemblies included) and the asset manifests that locate Lambda bundles.
 *
 * @throws TemplateError when the manifest or a template is missing or malformed.
 * @example
 * const template = loadCloudAssembly('cdk.out');
 * for (const table of template.resourcesOfType('AWS::DynamoDB::Table')) {
 *   console.log(template.physicalName(table.logicalId, table.stackName));
 * }
 */
export function loadCloudAssembly(cdkOutDir: string): LocalTemplate {
  const dir = resolvePath(cdkOutDir);
  const stacks: StackTemplate[] = [];
  const assets = new Map<string, string>();
  readAssembly(dir, stacks, assets);
  const names = stacks.map((s) => s.stackName);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new TemplateError(`stack name "${duplicate}" appears twice in the cloud assembly at ${dir}`);
  }
  return new LocalTemplate(dir, stacks, assets);
}
