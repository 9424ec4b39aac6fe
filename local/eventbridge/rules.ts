/**
 * The rules, targets and buses of the synthesized stacks, as the local
 * EventBridge serves them.
 */
import * as z from 'zod';
import { AwfError } from '../../core/errors.js';
import type { LocalTemplate, TemplateResource } from '../template/index.js';
import type { TargetInputConfig } from './target-input.js';

/** A rule the local EventBridge cannot serve as EventBridge would. */
export class RuleConfigurationError extends AwfError {
  constructor(
    readonly rule: string,
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`rule "${rule}" is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.name = 'RuleConfigurationError';
  }
}

/** EventBridge's defaults when a target has no `RetryPolicy`. */
export const DEFAULT_RETRY_POLICY = { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86_400 } as const;

/** One target of a rule. */
export interface LocalTarget extends TargetInputConfig {
  readonly id: string;
  /** A state machine or Lambda function ARN (other target types are reported as undeliverable). */
  readonly arn: string;
  readonly roleArn?: string;
  readonly retryPolicy: { readonly maximumRetryAttempts: number; readonly maximumEventAgeInSeconds: number };
  /** The SQS queue failed deliveries go to; kept as a local log per queue ARN. */
  readonly deadLetterQueueArn?: string;
}

/** One rule: an event pattern on a bus, or a schedule, and its targets. */
export interface LocalRule {
  readonly name: string;
  readonly arn: string;
  /** `default` or a custom bus name. */
  readonly eventBusName: string;
  readonly description?: string;
  /** `ENABLED`, `DISABLED` or `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`. */
  readonly state: string;
  /** The event pattern as a JSON object; validated when the local EventBridge starts. */
  readonly eventPattern?: Readonly<Record<string, unknown>>;
  /** `rate(5 minutes)`; `cron(...)` rules are served but not fired on a timer. */
  readonly scheduleExpression?: string;
  readonly targets: readonly LocalTarget[];
}

const targetProperties = z.object({
  Id: z.string().min(1),
  Arn: z.string().min(1),
  RoleArn: z.string().optional(),
  Input: z.string().optional(),
  InputPath: z.string().optional(),
  InputTransformer: z
    .object({ InputPathsMap: z.record(z.string(), z.string()).optional(), InputTemplate: z.string() })
    .optional(),
  RetryPolicy: z
    .object({
      MaximumRetryAttempts: z.number().int().min(0).max(185).optional(),
      MaximumEventAgeInSeconds: z.number().int().min(60).max(86_400).optional(),
    })
    .optional(),
  DeadLetterConfig: z.object({ Arn: z.string().optional() }).optional(),
});

const ruleProperties = z.object({
  Description: z.string().optional(),
  EventBusName: z.string().optional(),
  EventPattern: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
  ScheduleExpression: z.string().optional(),
  State: z.string().default('ENABLED'),
  Targets: z.array(targetProperties).default([]),
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A bus name from an `EventBusName` value, which may be a name or an ARN. */
export function busNameOf(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? (nameOrArn.split(':event-bus/')[1] ?? nameOrArn) : nameOrArn;
}

function ruleFromResource(template: LocalTemplate, resource: TemplateResource): LocalRule {
  const where = `${resource.stackName}/${resource.logicalId}`;
  const parsed = ruleProperties.safeParse(template.resolvedProperties(resource));
  if (!parsed.success) {
    throw new RuleConfigurationError(
      where,
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(properties)'}: ${issue.message}`),
    );
  }
  const properties = parsed.data;
  let pattern: unknown = properties.EventPattern;
  if (typeof pattern === 'string') {
    try {
      pattern = JSON.parse(pattern);
    } catch (cause) {
      throw new RuleConfigurationError(where, [`EventPattern is not JSON: ${properties.EventPattern}`], {
        cause,
      });
    }
  }
  if (pattern !== undefined && !isRecord(pattern)) {
    throw new RuleConfigurationError(where, [
      `EventPattern must be a JSON object, got ${JSON.stringify(pattern)}`,
    ]);
  }
  return {
    name: template.physicalName(resource.logicalId, resource.stackName),
    arn: template.arnOf(resource.logicalId, resource.stackName),
    eventBusName: busNameOf(properties.EventBusName ?? 'default'),
    description: properties.Description,
    state: properties.State,
    eventPattern: isRecord(pattern) ? pattern : undefined,
    scheduleExpression: properties.ScheduleExpression,
    targets: properties.Targets.map((target) => ({
      id: target.Id,
      arn: target.Arn,
      roleArn: target.RoleArn,
      input: target.Input,
      inputPath: target.InputPath,
      inputTransformer: target.InputTransformer && {
        inputPathsMap: target.InputTransformer.InputPathsMap,
        inputTemplate: target.InputTransformer.InputTemplate,
      },
      retryPolicy: {
        maximumRetryAttempts:
          target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRY_POLICY.maximumRetryAttempts,
        maximumEventAgeInSeconds:
          target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_RETRY_POLICY.maximumEventAgeInSeconds,
      },
      deadLetterQueueArn: target.DeadLetterConfig?.Arn,
    })),
  };
}

/** What the local EventBridge needs from the template. */
export interface EventBridgeTemplateConfig {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  /** Names of the custom buses (`default` always exists). */
  readonly eventBuses: readonly string[];
  readonly rules: readonly LocalRule[];
}

/**
 * Every `AWS::Events::EventBus` and `AWS::Events::Rule` of the cloud assembly,
 * with names, ARNs and target properties resolved.
 * @throws TemplateError or RuleConfigurationError naming the rule whose properties cannot be read.
 */
export function eventBridgeFromTemplate(template: LocalTemplate): EventBridgeTemplateConfig {
  const [first] = template.stacks;
  return {
    region: first?.region ?? 'us-east-1',
    accountId: first?.account ?? '123456789012',
    partition: first?.partition ?? 'aws',
    eventBuses: template
      .resourcesOfType('AWS::Events::EventBus')
      .map((bus) => template.physicalName(bus.logicalId, bus.stackName)),
    rules: template.resourcesOfType('AWS::Events::Rule').map((rule) => ruleFromResource(template, rule)),
  };
}
