/**
 * The physical names and ARNs of template resources, where CloudFormation
 * would invent them at deploy time: deterministic, so every part of the local
 * cloud computes the same name for the same resource.
 *
 * - a name property the template sets (`TableName`, `FunctionName`, `Name`, ...) is used as is;
 * - otherwise the name is `<stackName>-<logicalId>` (a KMS key's is a UUID derived from it);
 * - ARNs have the usual shape for the stack's account and region
 *   (`arn:aws:lambda:us-east-1:123456789012:function:<name>`).
 *
 * What `Ref` and `Fn::GetAtt` give for a resource is decided here too.
 */
import { createHash } from 'node:crypto';
import { ReentryGuard } from './reentry-guard.js';
import { type StackTemplate, TemplateError, type TemplateResource } from './stack.js';

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

/** A short deterministic hex string, for ids AWS would generate (KMS key ids, role ids, stack ids). */
export function stableHex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

/** The id of a function URL, as the host of its URL (`<url-id>.lambda-url.<region>.on.aws`) carries it. */
export function functionUrlIdOf(resource: TemplateResource): string {
  return stableHex(`${resource.stackName}/${resource.logicalId}`, 32);
}

/** The URL AWS would give a function URL resource: `https://<url-id>.lambda-url.<region>.on.aws/`. */
export function functionUrlOf(resource: TemplateResource, region: string): string {
  return `https://${functionUrlIdOf(resource)}.lambda-url.${region}.on.aws/`;
}

/** What naming needs of the template: a stack by name, and the string a template value resolves to. */
export interface NamingContext {
  stack(stackName: string): StackTemplate;
  resolveString(value: unknown, stackName: string): string;
}

/** Physical names, ARNs, and the values of `Ref` and `Fn::GetAtt`, for the resources of one app. */
export class PhysicalNames {
  readonly #context: NamingContext;
  readonly #guard = new ReentryGuard();

  constructor(context: NamingContext) {
    this.#context = context;
  }

  /** The resource's local physical name: its name property if the template sets one, else `<stackName>-<logicalId>`. */
  nameOf(resource: TemplateResource): string {
    const nameProperty = NAME_PROPERTY[resource.type];
    const explicit = nameProperty === undefined ? undefined : resource.properties[nameProperty];
    if (explicit !== undefined) {
      // Every Ref, GetAtt and ARN goes through here, so this guard catches any name built from itself.
      return this.#guard.run(`${resource.stackName}/${resource.logicalId}`, 'name', () =>
        this.#context.resolveString(explicit, resource.stackName),
      );
    }
    const generated = `${resource.stackName}-${resource.logicalId}`;
    if (resource.type === 'AWS::SQS::Queue' && resource.properties.FifoQueue === true)
      return `${generated}.fifo`;
    if (resource.type === 'AWS::KMS::Key') return this.#keyId(resource);
    return generated;
  }

  /** The resource's ARN for its stack's account and region. @throws TemplateError for types without a known ARN shape. */
  arnOf(resource: TemplateResource): string {
    const stack = this.#context.stack(resource.stackName);
    const { partition: p, region: r, account: a } = stack;
    const name = this.nameOf(resource);
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

  /** What `Ref` returns for a resource, per CloudFormation's documentation of each type. */
  refValue(resource: TemplateResource): string {
    switch (resource.type) {
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SNS::Topic':
      case 'AWS::Events::Archive':
        return this.arnOf(resource);
      case 'AWS::SQS::Queue':
        return this.#queueUrl(resource);
      case 'AWS::Events::Rule': {
        const bus = this.#ruleBusName(resource);
        const name = this.nameOf(resource);
        return bus === 'default' ? name : `${bus}|${name}`;
      }
      default:
        return this.nameOf(resource);
    }
  }

  /**
   * What `Fn::GetAtt` returns for an attribute of a resource.
   * @throws TemplateError naming the resource and the attribute when it has no local value.
   */
  attributeOf(resource: TemplateResource, attribute: string): string {
    if (attribute === 'Arn') return this.arnOf(resource);
    switch (`${resource.type}.${attribute}`) {
      case 'AWS::DynamoDB::Table.StreamArn':
      case 'AWS::DynamoDB::GlobalTable.StreamArn':
        // A stream's label is its creation time; a fixed one keeps the ARN deterministic.
        return `${this.arnOf(resource)}/stream/1970-01-01T00:00:00.000`;
      case 'AWS::DynamoDB::GlobalTable.TableId':
        return stableHex(`${resource.stackName}/${resource.logicalId}`, 32);
      case 'AWS::SQS::Queue.QueueName':
      case 'AWS::StepFunctions::StateMachine.Name':
      case 'AWS::Events::EventBus.Name':
      case 'AWS::SNS::Topic.TopicName':
      case 'AWS::Lambda::Function.FunctionName':
        return this.nameOf(resource);
      case 'AWS::SQS::Queue.QueueUrl':
        return this.#queueUrl(resource);
      case 'AWS::SNS::Topic.TopicArn':
        return this.arnOf(resource);
      case 'AWS::KMS::Key.KeyId':
        return this.#keyId(resource);
      case 'AWS::Lambda::Url.FunctionUrl':
        return functionUrlOf(resource, this.#context.stack(resource.stackName).region);
      case 'AWS::Lambda::Url.FunctionArn':
        return this.#context.resolveString(resource.properties.TargetFunctionArn, resource.stackName);
      case 'AWS::IAM::Role.RoleId':
        return `AROA${stableHex(`${resource.stackName}/${resource.logicalId}`, 17).toUpperCase()}`;
      default:
        throw new TemplateError(
          `Fn::GetAtt ${resource.logicalId}.${attribute}: attribute "${attribute}" of ${resource.type} is not supported locally`,
        );
    }
  }

  #keyId(resource: TemplateResource): string {
    const hex = stableHex(`${resource.stackName}/${resource.logicalId}`, 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  #ruleBusName(resource: TemplateResource): string {
    const bus = resource.properties.EventBusName;
    if (bus === undefined) return 'default';
    const value = this.#context.resolveString(bus, resource.stackName);
    // EventBusName takes a name or an ARN.
    return value.startsWith('arn:') ? (value.split(':event-bus/')[1] ?? value) : value;
  }

  #queueUrl(resource: TemplateResource): string {
    const stack = this.#context.stack(resource.stackName);
    return `https://sqs.${stack.region}.amazonaws.com/${stack.account}/${this.nameOf(resource)}`;
  }
}
