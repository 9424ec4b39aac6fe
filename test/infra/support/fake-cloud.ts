/**
 * The synthesized templates of one app as if deployed, so IAM policies can be
 * evaluated and ASL validated with concrete, deterministic values.
 *
 * Values are resolved by the local cloud's template reader (`local/template/`),
 * the one CloudFormation intrinsic evaluator of the project: a resource's
 * physical name is its name property or `<stackName>-<logicalId>`, its ARN has
 * the usual shape for its type in the test account and region. What it cannot
 * evaluate throws, naming it.
 */
import type { DeploymentEnv } from '../../../lib/deployment-env.js';
import { type LocalTemplate, templateFromStacks } from '../../../local/template/index.js';

/** A JSON value as templates hold it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A template resource, as written. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
}

interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
}

/** The templates of one app, resolvable across stacks (`Fn::ImportValue`). */
export class FakeCloud {
  private readonly templates = new Map<string, CfnTemplate>();
  private readonly reader: LocalTemplate;

  /**
   * @param stacks each stack's name and template (`Template#toJSON()` or a template file's content).
   * @param env the account and region every stack is deployed to.
   */
  constructor(
    stacks: readonly { readonly stackName: string; readonly template: unknown }[],
    private readonly env: DeploymentEnv,
  ) {
    for (const { stackName, template } of stacks) this.templates.set(stackName, template as CfnTemplate);
    this.reader = templateFromStacks(
      stacks.map(({ stackName, template }) => ({
        stackName,
        template,
        account: env.account,
        region: env.region,
      })),
    );
  }

  /** The account the stacks are deployed to. */
  get accountId(): string {
    return this.env.account;
  }

  /** The resources of a stack as written, optionally of one type. */
  resources(stackName: string, type?: string): [string, CfnResource][] {
    const template = this.template(stackName);
    return Object.entries(template.Resources ?? {}).filter(([, r]) => type === undefined || r.Type === type);
  }

  /** A resource by logical id, as written. */
  resource(stackName: string, logicalId: string): CfnResource {
    const resource = this.template(stackName).Resources?.[logicalId];
    if (!resource) throw new Error(`stack ${stackName} has no resource ${logicalId}`);
    return resource;
  }

  /** The ARN a resource would have once deployed. */
  arnOf(stackName: string, logicalId: string): string {
    return this.reader.arnOf(logicalId, stackName);
  }

  /** The physical name a resource would have once deployed (what `Ref` gives for most types). */
  physicalName(stackName: string, logicalId: string): string {
    return this.reader.physicalName(logicalId, stackName);
  }

  /** Resolves every intrinsic function in `value`, as CloudFormation would for stack `stackName`. */
  resolve(stackName: string, value: Json): Json {
    return (this.reader.resolve(value, stackName) ?? null) as Json;
  }

  private template(stackName: string): CfnTemplate {
    const template = this.templates.get(stackName);
    if (!template) throw new Error(`no stack named ${stackName}`);
    return template;
  }
}
