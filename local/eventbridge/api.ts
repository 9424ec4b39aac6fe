/**
 * The EventBridge API operations the local endpoint serves, in AWS's JSON 1.1
 * shapes, so the real `@aws-sdk/client-eventbridge` works against it.
 */
import * as z from 'zod';
import { AwsServiceError, type JsonOperation, parseRequest } from '../http/json-protocol.js';
import type { LocalEventBridge } from './engine.js';
import type { LocalRule } from './rules.js';

const putEventsRequest = z.object({
  Entries: z
    .array(
      z.object({
        Source: z.string().optional(),
        DetailType: z.string().optional(),
        Detail: z.string().optional(),
        EventBusName: z.string().optional(),
        Resources: z.array(z.string()).optional(),
        /** Epoch seconds, as the JSON protocol sends timestamps. */
        Time: z.number().optional(),
        TraceHeader: z.string().optional(),
      }),
    )
    .min(1, 'expected between 1 and 10 entries')
    .max(10, 'expected between 1 and 10 entries'),
  EndpointId: z.string().optional(),
});

const listRulesRequest = z.object({
  EventBusName: z.string().optional(),
  NamePrefix: z.string().optional(),
  Limit: z.number().int().min(1).max(100).optional(),
  NextToken: z.string().optional(),
});

const ruleRequest = z.object({ Name: z.string().min(1), EventBusName: z.string().optional() });
const targetsRequest = z.object({ Rule: z.string().min(1), EventBusName: z.string().optional() });
const describeEventBusRequest = z.object({ Name: z.string().optional() });

function ruleSummary(rule: LocalRule) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventBusName: rule.eventBusName,
    State: rule.state,
    Description: rule.description,
    EventPattern: rule.eventPattern === undefined ? undefined : JSON.stringify(rule.eventPattern),
    ScheduleExpression: rule.scheduleExpression,
  };
}

function findRule(events: LocalEventBridge, name: string, eventBusName = 'default'): LocalRule {
  const rule = events.rules(eventBusName).find((r) => r.name === name);
  if (!rule) {
    throw new AwsServiceError(
      'ResourceNotFoundException',
      `Rule ${name} does not exist on EventBus ${eventBusName}.`,
    );
  }
  return rule;
}

/** The operations of the local EventBridge endpoint, by `AWSEvents.<Operation>` name. */
export function eventBridgeOperations(events: LocalEventBridge): Record<string, JsonOperation> {
  return {
    PutEvents: (input) => {
      const { Entries } = parseRequest(putEventsRequest, input);
      return events.putEvents(
        Entries.map(({ Time, ...entry }) => ({
          ...entry,
          ...(Time === undefined ? {} : { Time: new Date(Time * 1000) }),
        })),
      );
    },
    ListRules: (input) => {
      const request = parseRequest(listRulesRequest, input);
      events.describeEventBus(request.EventBusName);
      const rules = events
        .rules(request.EventBusName ?? 'default')
        .filter((rule) => request.NamePrefix === undefined || rule.name.startsWith(request.NamePrefix));
      const offset = request.NextToken === undefined ? 0 : Number(request.NextToken);
      if (!Number.isInteger(offset) || offset < 0) {
        throw new AwsServiceError('ValidationException', `invalid NextToken: ${request.NextToken}`);
      }
      const end = offset + (request.Limit ?? 100);
      return {
        Rules: rules.slice(offset, end).map(ruleSummary),
        ...(end < rules.length ? { NextToken: String(end) } : {}),
      };
    },
    DescribeRule: (input) => {
      const request = parseRequest(ruleRequest, input);
      return ruleSummary(findRule(events, request.Name, request.EventBusName));
    },
    ListTargetsByRule: (input) => {
      const request = parseRequest(targetsRequest, input);
      const rule = findRule(events, request.Rule, request.EventBusName);
      return {
        Targets: rule.targets.map((target) => ({
          Id: target.id,
          Arn: target.arn,
          RoleArn: target.roleArn,
          Input: target.input,
          InputPath: target.inputPath,
          InputTransformer: target.inputTransformer && {
            InputPathsMap: target.inputTransformer.inputPathsMap,
            InputTemplate: target.inputTransformer.inputTemplate,
          },
          RetryPolicy: {
            MaximumRetryAttempts: target.retryPolicy.maximumRetryAttempts,
            MaximumEventAgeInSeconds: target.retryPolicy.maximumEventAgeInSeconds,
          },
          DeadLetterConfig:
            target.deadLetterQueueArn === undefined ? undefined : { Arn: target.deadLetterQueueArn },
        })),
      };
    },
    DescribeEventBus: (input) => events.describeEventBus(parseRequest(describeEventBusRequest, input).Name),
  };
}
