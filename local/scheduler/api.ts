/**
 * The EventBridge Scheduler operations the local endpoint serves, in AWS's
 * REST JSON shapes (`POST /schedules/{Name}`, `GET /schedules/{Name}`,
 * `DELETE /schedules/{Name}`, `GET /schedules`), so the real
 * `@aws-sdk/client-scheduler` works against it.
 */
import * as z from 'zod';
import { AwsServiceError, parseRequest } from '../http/json-protocol.js';
import type { LocalSchedule, LocalScheduler } from './engine.js';

/** One request as the REST server hands it to an operation. */
export interface RestRequest {
  readonly method: string;
  /** The path's parameters (`Name`). */
  readonly name?: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

/** An operation: the request in, the response body out. */
export type RestOperation = (request: RestRequest) => unknown;

const createScheduleBody = z.object({
  ScheduleExpression: z.string().min(1),
  ScheduleExpressionTimezone: z.string().optional(),
  GroupName: z.string().min(1).max(64).optional(),
  FlexibleTimeWindow: z.object({
    Mode: z.enum(['OFF', 'FLEXIBLE']),
    MaximumWindowInMinutes: z.number().optional(),
  }),
  State: z.enum(['ENABLED', 'DISABLED']).optional(),
  ActionAfterCompletion: z.enum(['NONE', 'DELETE']).optional(),
  KmsKeyArn: z.string().optional(),
  Description: z.string().optional(),
  ClientToken: z.string().optional(),
  Target: z.object({
    Arn: z.string().min(1),
    RoleArn: z.string().min(1),
    Input: z.string().optional(),
    RetryPolicy: z
      .object({
        MaximumRetryAttempts: z.number().int().min(0).max(185).optional(),
        MaximumEventAgeInSeconds: z.number().int().min(60).max(86_400).optional(),
      })
      .optional(),
    DeadLetterConfig: z.object({ Arn: z.string().optional() }).optional(),
  }),
});

const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;

function nameOf(request: RestRequest): string {
  const name = request.name ?? '';
  if (!NAME.test(name)) {
    throw new AwsServiceError('ValidationException', `Name: expected 1-64 of [0-9a-zA-Z-_.], got "${name}"`);
  }
  return name;
}

/** The group a request names (`default` when none, as in AWS). */
function groupOf(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? 'default' : value;
}

function view(schedule: LocalSchedule) {
  return {
    Arn: schedule.arn,
    Name: schedule.name,
    GroupName: schedule.groupName,
    ScheduleExpression: schedule.expression,
    ScheduleExpressionTimezone: 'UTC',
    State: schedule.state,
    ActionAfterCompletion: schedule.actionAfterCompletion,
    KmsKeyArn: schedule.kmsKeyArn,
    Description: schedule.description,
    CreationDate: schedule.createdAt,
    LastModificationDate: schedule.createdAt,
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: schedule.target.arn,
      RoleArn: schedule.target.roleArn,
      Input: schedule.target.input,
      RetryPolicy: {
        MaximumRetryAttempts: schedule.target.retryPolicy.maximumRetryAttempts,
        MaximumEventAgeInSeconds: schedule.target.retryPolicy.maximumEventAgeInSeconds,
      },
      ...(schedule.target.deadLetterArn ? { DeadLetterConfig: { Arn: schedule.target.deadLetterArn } } : {}),
    },
  };
}

/** The operations, by `<METHOD> <route>`: `POST /schedules/{Name}` and so on. */
export function schedulerOperations(scheduler: LocalScheduler): Record<string, RestOperation> {
  return {
    'POST /schedules/{Name}': (request) => {
      const name = nameOf(request);
      const body = parseRequest(createScheduleBody, request.body);
      const created = scheduler.create({
        name,
        groupName: groupOf(body.GroupName),
        expression: body.ScheduleExpression,
        state: body.State ?? 'ENABLED',
        actionAfterCompletion: body.ActionAfterCompletion ?? 'NONE',
        ...(body.KmsKeyArn ? { kmsKeyArn: body.KmsKeyArn } : {}),
        ...(body.Description ? { description: body.Description } : {}),
        target: {
          arn: body.Target.Arn,
          roleArn: body.Target.RoleArn,
          ...(body.Target.Input === undefined ? {} : { input: body.Target.Input }),
          retryPolicy: {
            maximumRetryAttempts: body.Target.RetryPolicy?.MaximumRetryAttempts ?? 185,
            maximumEventAgeInSeconds: body.Target.RetryPolicy?.MaximumEventAgeInSeconds ?? 86_400,
          },
          ...(body.Target.DeadLetterConfig?.Arn ? { deadLetterArn: body.Target.DeadLetterConfig.Arn } : {}),
        },
      });
      return { ScheduleArn: created.arn };
    },
    'GET /schedules/{Name}': (request) =>
      view(scheduler.get(groupOf(request.query.get('groupName')), nameOf(request))),
    'DELETE /schedules/{Name}': (request) => {
      scheduler.delete(groupOf(request.query.get('groupName')), nameOf(request));
      return {};
    },
    'GET /schedules': (request) => {
      const group = request.query.get('ScheduleGroup');
      const prefix = request.query.get('NamePrefix');
      const state = request.query.get('State');
      const schedules = scheduler.list({
        ...(group ? { groupName: group } : {}),
        ...(prefix ? { namePrefix: prefix } : {}),
        ...(state ? { state } : {}),
      });
      return {
        Schedules: schedules.map((s) => ({
          Arn: s.arn,
          Name: s.name,
          GroupName: s.groupName,
          State: s.state,
          CreationDate: s.createdAt,
          LastModificationDate: s.createdAt,
          Target: { Arn: s.target.arn },
        })),
      };
    },
  };
}
