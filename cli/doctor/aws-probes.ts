/**
 * The {@link AwsProbes} of an AWS account and region: Bedrock's control plane
 * for lifecycles, Bedrock Runtime for the one-token call, and the deployed
 * stacks (through the CLI's `--aws` target) for the bus, tables and roles.
 */
import { ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { BedrockCatalog, createBedrockClient } from '../../adapters/bedrock-catalog.js';
import { createBedrockRuntimeClient } from '../../adapters/bedrock-model.js';
import { resolveTarget, type Target, type TargetOptions } from '../target.js';
import type { AwsProbes, DeployedPlatform } from './aws-checks.js';

/** CloudFormation's answer for a stack that is not there. */
function isMissingStack(error: unknown): boolean {
  return error instanceof Error && /does not exist/i.test(error.message);
}

/**
 * The probes of `region`, with the stacks `options` names (default AwfData
 * and AwfWorkflows). Credentials come from the SDK's default chain.
 */
export function createAwsProbes(region: string, options: TargetOptions): AwsProbes {
  const runtime = createBedrockRuntimeClient({ region, maxAttempts: 2 });
  let target: Promise<Target | undefined> | undefined;
  const deployed = () => {
    target ??= resolveTarget({ ...options, aws: true, region }).catch((error: unknown) => {
      if (isMissingStack(error)) return undefined;
      throw error;
    });
    return target;
  };
  const clients = async () => {
    const resolved = await deployed();
    if (resolved === undefined) throw new Error('the awf stacks are not deployed');
    return resolved.clients;
  };
  return {
    catalog: new BedrockCatalog(createBedrockClient({ region })),
    async converseOneToken(modelId) {
      await runtime.send(
        new ConverseCommand({
          modelId,
          messages: [{ role: 'user', content: [{ text: 'Reply with one word: ok' }] }],
          inferenceConfig: { maxTokens: 1, temperature: 0 },
        }),
      );
    },
    async platform(): Promise<DeployedPlatform | undefined> {
      const resolved = await deployed();
      if (resolved === undefined) return undefined;
      return {
        eventBus: resolved.eventBus,
        runsTable: resolved.runsTable,
        lineageTable: resolved.lineageTable,
        stateMachines: Object.fromEntries(
          Object.entries(resolved.workflows).map(([id, workflow]) => [id, workflow.stateMachineArn]),
        ),
      };
    },
    async eventBus(name) {
      await (await clients()).eventbridge.send(new DescribeEventBusCommand({ Name: name }));
    },
    async tableStatus(name) {
      const { Table } = await (await clients()).dynamodb.send(new DescribeTableCommand({ TableName: name }));
      return Table?.TableStatus ?? 'UNKNOWN';
    },
    async stateMachine(arn) {
      const answer = await (await clients()).sfn.send(
        new DescribeStateMachineCommand({ stateMachineArn: arn }),
      );
      return { status: answer.status ?? 'UNKNOWN', roleArn: answer.roleArn ?? '(none)' };
    },
  };
}
