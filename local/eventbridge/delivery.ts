/**
 * Delivery of one event to one target, as EventBridge does it: build the
 * target's input, send it (start a state machine execution, invoke a Lambda),
 * retry failures with exponential backoff within the target's `RetryPolicy`,
 * and hand what still fails to the target's dead-letter queue.
 *
 * One local simplification: EventBridge invokes Lambda targets asynchronously,
 * so a function error is Lambda's to retry, not EventBridge's. The local
 * Lambda host has no asynchronous queue, so a function error here counts as a
 * failed delivery and follows the target's RetryPolicy and dead-letter queue.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AwfError } from '../../core/errors.js';
import { AwsServiceError } from '../http/json-protocol.js';
import type { ExecutionStarter, LambdaInvoker } from '../ports.js';
import type { LocalRule, LocalTarget } from './rules.js';
import type { LocalBusEvent } from './sink.js';
import { targetInput } from './target-input.js';
import type { TopicPublisher } from './topics.js';

/** A delivery that failed for good: what the target's dead-letter queue receives. */
export interface DeadLetter {
  /** The target's dead-letter queue; undefined when it has none and the event is dropped. */
  readonly queueArn?: string;
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
  readonly event: LocalBusEvent;
  /** The last error's code (its AWS error code or `name`). */
  readonly errorCode: string;
  readonly errorMessage: string;
  /** Retries made after the first attempt. */
  readonly retryAttempts: number;
  readonly time: Date;
}

/** How one delivery ended. */
export type DeliveryOutcome =
  | { readonly status: 'delivered'; readonly attempts: number }
  | { readonly status: 'dead-lettered'; readonly deadLetter: DeadLetter }
  /** The local EventBridge stopped while the delivery waited to retry. */
  | { readonly status: 'cancelled' };

/** The services targets live in. */
export interface DeliveryServices {
  readonly executions: ExecutionStarter;
  readonly lambda: LambdaInvoker;
  /** Records what SNS topic targets would publish. @default - topic targets are undeliverable */
  readonly topics?: TopicPublisher;
}

/** Settings of a delivery. */
export interface DeliveryOptions {
  /** Factor applied to retry delays: 0 retries at once, 1 waits as EventBridge roughly does. */
  readonly retryDelayScale: number;
  readonly clock: () => Date;
  /** Aborted when the local EventBridge stops: pending retries are abandoned. */
  readonly signal: AbortSignal;
}

/** The target's ARN names a service the local EventBridge cannot deliver to. */
export class UndeliverableTargetError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'UndeliverableTargetError';
  }
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[^:]+:[^:]+:stateMachine:[^:]+$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[^:]+:[^:]+:function:[^:]+(:[^:]+)?$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[^:]+:[^:]+:[^:]+$/;
const FIRST_RETRY_DELAY_MS = 1_000;
const MAX_RETRY_DELAY_MS = 60_000;

/** Errors a retry cannot fix: EventBridge sends these to the dead-letter queue at once. */
const PERMANENT_ERRORS = new Set([
  'UndeliverableTargetError',
  'TargetInputError',
  'InvalidArn',
  'InvalidName',
  'InvalidExecutionInput',
  'StateMachineDoesNotExist',
  'ExecutionAlreadyExists',
  'ResourceNotFoundException',
  'Lambda.ResourceNotFoundException',
]);

function errorCode(error: unknown): string {
  if (error instanceof AwsServiceError) return error.code;
  return error instanceof Error ? error.name : 'Error';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Lambda receives the input as its event: JSON when it is JSON, else the text itself. */
function lambdaPayload(input: string): unknown {
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}

async function send(target: LocalTarget, input: string, services: DeliveryServices): Promise<void> {
  if (STATE_MACHINE_ARN.test(target.arn)) {
    await services.executions.startExecution(target.arn, input);
  } else if (LAMBDA_ARN.test(target.arn)) {
    await services.lambda.invoke(target.arn, lambdaPayload(input));
  } else if (TOPIC_ARN.test(target.arn) && services.topics) {
    services.topics.publish(target.arn, input);
  } else {
    throw new UndeliverableTargetError(
      `target ${target.id} (${target.arn}) is not a state machine, a Lambda function or an SNS topic; the local EventBridge delivers to those only`,
    );
  }
}

/** Exponential backoff with jitter, as EventBridge retries: about 1 s, 2 s, 4 s, ... up to a minute. */
function retryDelayMs(retry: number, scale: number): number {
  const ceiling = Math.min(FIRST_RETRY_DELAY_MS * 2 ** retry, MAX_RETRY_DELAY_MS);
  return Math.round(ceiling * (0.5 + Math.random() / 2) * scale);
}

/**
 * Delivers `event` to `target` and resolves with how it ended; never rejects.
 * @param ingestionTime when the bus accepted the event; `MaximumEventAgeInSeconds` counts from it
 */
export async function deliver(
  rule: LocalRule,
  target: LocalTarget,
  event: LocalBusEvent,
  ingestionTime: Date,
  services: DeliveryServices,
  options: DeliveryOptions,
): Promise<DeliveryOutcome> {
  const deadLetter = (error: unknown, retryAttempts: number, reason = ''): DeliveryOutcome => ({
    status: 'dead-lettered',
    deadLetter: {
      queueArn: target.deadLetterQueueArn,
      ruleName: rule.name,
      ruleArn: rule.arn,
      targetId: target.id,
      targetArn: target.arn,
      event,
      errorCode: errorCode(error),
      errorMessage: `${errorMessage(error)}${reason}`,
      retryAttempts,
      time: options.clock(),
    },
  });

  let input: string;
  try {
    input = targetInput(target, event, rule, ingestionTime);
  } catch (error) {
    return deadLetter(error, 0);
  }

  const { maximumRetryAttempts, maximumEventAgeInSeconds } = target.retryPolicy;
  for (let retry = 0; ; retry += 1) {
    try {
      await send(target, input, services);
      return { status: 'delivered', attempts: retry + 1 };
    } catch (error) {
      if (PERMANENT_ERRORS.has(errorCode(error))) return deadLetter(error, retry);
      if (retry >= maximumRetryAttempts) {
        return deadLetter(error, retry, ` (after ${retry} retries, the target's MaximumRetryAttempts)`);
      }
      const delay = retryDelayMs(retry, options.retryDelayScale);
      const age = options.clock().getTime() + delay - ingestionTime.getTime();
      if (age > maximumEventAgeInSeconds * 1000) {
        return deadLetter(error, retry, ` (the event outlived the target's MaximumEventAgeInSeconds)`);
      }
      try {
        await sleep(delay, undefined, { signal: options.signal });
      } catch {
        return { status: 'cancelled' };
      }
      if (options.signal.aborted) return { status: 'cancelled' };
    }
  }
}
