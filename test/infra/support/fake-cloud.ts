/**
 * Resolves the intrinsic functions of synthesized templates to concrete,
 * deterministic values, so IAM policies can be evaluated and ASL validated as
 * they would be once deployed.
 *
 * A resource's physical name is its logical id; its ARN has the usual shape
 * for its type in the test account and region. Only what the awf templates
 * use is supported; anything else throws, naming it.
 */
import type { DeploymentEnv } from '../../../lib/deployment-env.js';

/** A JSON value as templates hold it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A template resource. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
}

interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: Json; readonly Export?: { readonly Name: Json } }>;
}

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The templates of one app, resolvable across stacks (`Fn::ImportValue`). */
export class FakeCloud {
  private readonly templates = new Map<string, CfnTemplate>();
  private readonly exports = new Map<string, { stackName: string; value: Json }>();

  /**
   * @param stacks each stack's name and template (`Template#toJSON()` or a template file's content).
   */
  constructor(
    stacks: readonly { readonly stackName: string; readonly template: unknown }[],
    private readonly env: DeploymentEnv,
  ) {
    for (const { stackName, template } of stacks) {
      const json = template as CfnTemplate;
      this.templates.set(stackName, json);
      for (const output of Object.values(json.Outputs ?? {})) {
        const name = output.Export?.Name;
        if (typeof name === 'string') this.exports.set(name, { stackName, value: output.Value });
      }
    }
  }

  /** The account the stacks are deployed to. */
  get accountId(): string {
    return this.env.account;
  }

  /** The resources of a stack, optionally of one type. */
  resources(stackName: string, type?: string): [string, CfnResource][] {
    const template = this.template(stackName);
    return Object.entries(template.Resources ?? {}).filter(([, r]) => type === undefined || r.Type === type);
  }

  /** A resource by logical id. */
  resource(stackName: string, logicalId: string): CfnResource {
    const resource = this.template(stackName).Resources?.[logicalId];
    if (!resource) throw new Error(`stack ${stackName} has no resource ${logicalId}`);
    return resource;
  }

  /** The ARN a resource would have once deployed. */
  arnOf(stackName: string, logicalId: string): string {
    const { account, region } = this.env;
    const type = this.resource(stackName, logicalId).Type;
    switch (type) {
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${account}:table/${logicalId}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${account}:function:${logicalId}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${region}:${account}:stateMachine:${logicalId}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${region}:${account}:event-bus/${logicalId}`;
      case 'AWS::Events::Rule':
        return `arn:aws:events:${region}:${account}:rule/${logicalId}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${account}:${logicalId}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${region}:${account}:key/${logicalId}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${account}:log-group:${logicalId}:*`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${account}:role/${logicalId}`;
      default:
        throw new Error(`no fake ARN for ${type} (${stackName}/${logicalId})`);
    }
  }

  /** Resolves every intrinsic function in `value`, as CloudFormation would for stack `stackName`. */
  resolve(stackName: string, value: Json): Json {
    if (Array.isArray(value)) return value.map((item) => this.resolve(stackName, item));
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    const only = keys.length === 1 ? keys[0] : undefined;
    const argument = only === undefined ? undefined : value[only];
    if (only === 'Ref' && typeof argument === 'string') return this.ref(stackName, argument);
    if (only === 'Fn::GetAtt' && Array.isArray(argument)) {
      const [logicalId, attribute] = argument;
      if (typeof logicalId !== 'string' || attribute !== 'Arn') {
        throw new Error(`unsupported Fn::GetAtt ${JSON.stringify(argument)}`);
      }
      return this.arnOf(stackName, logicalId);
    }
    if (only === 'Fn::Join' && Array.isArray(argument)) {
      const [separator, parts] = argument;
      if (typeof separator !== 'string' || !Array.isArray(parts)) throw new Error('malformed Fn::Join');
      return parts.map((part) => String(this.resolve(stackName, part))).join(separator);
    }
    if (only === 'Fn::ImportValue' && typeof argument === 'string') {
      const exported = this.exports.get(argument);
      if (!exported) throw new Error(`no stack exports ${argument}`);
      return this.resolve(exported.stackName, exported.value);
    }
    if (only?.startsWith('Fn::')) throw new Error(`unsupported intrinsic ${only}`);
    return Object.fromEntries(keys.map((key) => [key, this.resolve(stackName, value[key] ?? null)]));
  }

  private ref(stackName: string, name: string): string {
    switch (name) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return this.env.region;
      case 'AWS::AccountId':
        return this.env.account;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stackName;
    }
    const type = this.resource(stackName, name).Type;
    // Ref gives the ARN for these types and the physical name (the logical id here) for the others.
    return type === 'AWS::StepFunctions::StateMachine' ? this.arnOf(stackName, name) : name;
  }

  private template(stackName: string): CfnTemplate {
    const template = this.templates.get(stackName);
    if (!template) throw new Error(`no stack named ${stackName}`);
    return template;
  }
}
