/**
 * The Step Functions API operations the local endpoint serves, in the request
 * and response shapes of AWS's JSON protocol, so the real `@aws-sdk/client-sfn`
 * works against it.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { AwsServiceError, type JsonOperation, parseRequest } from '../http/json-protocol.js';
import type { LocalStepFunctions } from './engine.js';
import type { ExecutionDescription } from './execution.js';

const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
/** AWS's page size when a request does not set maxResults. */
const DEFAULT_PAGE_SIZE = 100;

const arn = z.string().min(1);
const pageRequest = {
  maxResults: z.number().int().min(0).max(1000).optional(),
  nextToken: z.string().min(1).optional(),
};

const requests = {
  StartExecution: z.object({
    stateMachineArn: arn,
    name: z.string().optional(),
    input: z.string().optional(),
    traceHeader: z.string().optional(),
  }),
  DescribeExecution: z.object({ executionArn: arn }),
  ListExecutions: z.object({
    stateMachineArn: arn,
    statusFilter: z.enum(EXECUTION_STATUSES).optional(),
    ...pageRequest,
  }),
  GetExecutionHistory: z.object({
    executionArn: arn,
    reverseOrder: z.boolean().optional(),
    includeExecutionData: z.boolean().optional(),
    ...pageRequest,
  }),
  StopExecution: z.object({ executionArn: arn, error: z.string().optional(), cause: z.string().optional() }),
  SendTaskSuccess: z.object({ taskToken: z.string().min(1), output: z.string() }),
  SendTaskFailure: z.object({
    taskToken: z.string().min(1),
    error: z.string().optional(),
    cause: z.string().optional(),
  }),
  SendTaskHeartbeat: z.object({ taskToken: z.string().min(1) }),
  DescribeStateMachine: z.object({ stateMachineArn: arn }),
  ListStateMachines: z.object(pageRequest),
} as const;

/** One page of `items` and the token of the next, AWS style. */
function page<T>(
  items: readonly T[],
  request: { maxResults?: number; nextToken?: string },
): { items: T[]; nextToken?: string } {
  let offset = 0;
  if (request.nextToken !== undefined) {
    offset = Number.parseInt(Buffer.from(request.nextToken, 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(offset) || offset < 0 || offset > items.length) {
      throw new AwsServiceError('InvalidToken', `invalid nextToken: ${JSON.stringify(request.nextToken)}`);
    }
  }
  const size = request.maxResults || DEFAULT_PAGE_SIZE;
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString('base64url') } : {}),
  };
}

/** A history event without the input and output of its details (`includeExecutionData: false`). */
function withoutExecutionData(event: HistoryEvent): HistoryEvent {
  const copy: HistoryEvent = { ...event };
  for (const [key, details] of Object.entries(copy)) {
    if (typeof details === 'object' && details !== null && !(details instanceof Date)) {
      const { input: _input, output: _output, ...rest } = details;
      Reflect.set(copy, key, rest);
    }
  }
  return copy;
}

function executionListItem(e: ExecutionDescription) {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate,
    stopDate: e.stopDate,
  };
}

/** The operations of the local Step Functions endpoint, by `AWSStepFunctions.<Operation>` name. */
export function stepFunctionsOperations(sfn: LocalStepFunctions): Record<string, JsonOperation> {
  return {
    StartExecution: (input) => {
      const request = parseRequest(requests.StartExecution, input);
      return sfn.startExecution(request.stateMachineArn, request.input ?? '{}', request.name);
    },
    DescribeExecution: (input) => {
      const execution = sfn.describeExecution(parseRequest(requests.DescribeExecution, input).executionArn);
      return {
        ...execution,
        inputDetails: { included: true },
        ...(execution.output !== undefined ? { outputDetails: { included: true } } : {}),
        redriveCount: 0,
        redriveStatus: 'NOT_REDRIVABLE',
      };
    },
    ListExecutions: (input) => {
      const request = parseRequest(requests.ListExecutions, input);
      const { items, nextToken } = page(
        sfn.listExecutions(request.stateMachineArn, request.statusFilter),
        request,
      );
      return { executions: items.map(executionListItem), nextToken };
    },
    GetExecutionHistory: (input) => {
      const request = parseRequest(requests.GetExecutionHistory, input);
      const history = sfn.getExecutionHistory(request.executionArn);
      const ordered = request.reverseOrder ? [...history].reverse() : history;
      const { items, nextToken } = page(ordered, request);
      const events = request.includeExecutionData === false ? items.map(withoutExecutionData) : items;
      return { events, nextToken };
    },
    StopExecution: (input) => {
      const request = parseRequest(requests.StopExecution, input);
      return sfn.stopExecution(request.executionArn, request.error, request.cause);
    },
    SendTaskSuccess: (input) => {
      const request = parseRequest(requests.SendTaskSuccess, input);
      sfn.sendTaskSuccess(request.taskToken, request.output);
      return {};
    },
    SendTaskFailure: (input) => {
      const request = parseRequest(requests.SendTaskFailure, input);
      sfn.sendTaskFailure(request.taskToken, request.error, request.cause);
      return {};
    },
    SendTaskHeartbeat: (input) => {
      sfn.sendTaskHeartbeat(parseRequest(requests.SendTaskHeartbeat, input).taskToken);
      return {};
    },
    DescribeStateMachine: (input) =>
      sfn.describeStateMachine(parseRequest(requests.DescribeStateMachine, input).stateMachineArn),
    ListStateMachines: (input) => {
      const { items, nextToken } = page(
        sfn.listStateMachines(),
        parseRequest(requests.ListStateMachines, input),
      );
      return {
        stateMachines: items.map(({ stateMachineArn, name, type, creationDate }) => ({
          stateMachineArn,
          name,
          type,
          creationDate,
        })),
        nextToken,
      };
    },
  };
}
