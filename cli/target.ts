/**
 * Which platform a CLI command talks to: the local cloud (default) or a deployed
 * stack (`--aws`), and the SDK clients pointed at it.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { createKmsClient } from '../adapters/kms-keyed-hasher.js';
import { type RecordKeyIds, recordKeyIdsSchema } from '../adapters/kms-record-keys.js';
import { DEFAULT_STACK_NAMES, STACK_OUTPUTS } from '../core/stack-outputs.js';
import { LOCAL_CREDENTIALS } from '../local/process/aws-env.js';
import { LOCAL_STATE_DIR, readLocalState } from '../local/process/state-file.js';

/** Options that choose the target; every command accepts them. */
export interface TargetOptions {
  readonly aws?: boolean;
  readonly stack?: string;
  readonly dataStack?: string;
  readonly region?: string;
  readonly stateDir?: string;
}

/** A workflow as the CLI needs it. */
export interface TargetWorkflow {
  readonly stateMachineArn: string;
  /** The approvals endpoint (a function URL with AWS_IAM auth); empty when the stack has none. */
  readonly approvalsUrl: string;
  /** The role approvers assume to call it; absent locally, where identities sign as its sessions. */
  readonly approverRoleArn?: string;
  /** The operations endpoint (`awf workflows pause | resume | status`); absent for a stack deployed before it. */
  readonly operationsUrl?: string;
  /** The role operators assume to call it; absent locally, where identities sign as its sessions. */
  readonly operatorRoleArn?: string;
  /** The follow-ups endpoint (`awf runs cancel-follow-up`), called by the same operators. */
  readonly followUpsUrl?: string;
}

/** A resolved target. */
export interface Target {
  readonly kind: 'local' | 'aws';
  readonly region: string;
  readonly runsTable: string;
  readonly lineageTable: string;
  readonly eventBus: string;
  readonly workflows: Readonly<Record<string, TargetWorkflow>>;
  /**
   * Writer step -> its lineage record key: what records' MACs are verified with.
   * Empty for a data stack deployed before records were authenticated.
   */
  readonly recordKeys: RecordKeyIds;
  /** The local bus's log of accepted events; only the local cloud has one. */
  readonly sinkFile?: string;
  /** What the local SNS topics would have published; only the local cloud has one. */
  readonly notificationsFile?: string;
  /** The local cloud's state folder (its checkpoints and their key); only the local cloud has one. */
  readonly stateDir?: string;
  /** In AWS: the checkpoint bucket and the KMS key that signs checkpoints; absent for a stack deployed before them. */
  readonly checkpoints?: { readonly bucketName: string; readonly keyArn: string };
  /** The local identities that sign approvals requests (`--as`); only the local cloud has them. */
  readonly identitiesFile?: string;
  readonly clients: {
    readonly dynamodb: DynamoDBClient;
    readonly eventbridge: EventBridgeClient;
    readonly sfn: SFNClient;
    readonly lambda: LambdaClient;
    readonly kms: KMSClient;
  };
}

const workflowsOutput = z.record(
  z.string(),
  z.object({
    stateMachineArn: z.string(),
    approvalsUrl: z.string(),
    approverRoleArn: z.string(),
    operationsUrl: z.string().optional(),
    operatorRoleArn: z.string().optional(),
    followUpsUrl: z.string().optional(),
  }),
);

function localTarget(options: TargetOptions): Target {
  const state = readLocalState(options.stateDir);
  const common = { region: state.region, credentials: { ...LOCAL_CREDENTIALS } };
  return {
    kind: 'local',
    region: state.region,
    runsTable: state.tables.runs,
    lineageTable: state.tables.lineage,
    eventBus: state.eventBus,
    sinkFile: state.sinkFile,
    ...(state.notificationsFile ? { notificationsFile: state.notificationsFile } : {}),
    stateDir: options.stateDir ?? LOCAL_STATE_DIR,
    ...(state.identitiesFile ? { identitiesFile: state.identitiesFile } : {}),
    recordKeys: recordKeyIdsSchema.parse(state.recordKeys),
    workflows: Object.fromEntries(
      Object.entries(state.workflows).map(([id, w]) => [
        id,
        {
          stateMachineArn: w.stateMachineArn,
          approvalsUrl: w.approvalsUrl ?? '',
          ...(w.operationsUrl ? { operationsUrl: w.operationsUrl } : {}),
          ...(w.followUpsUrl ? { followUpsUrl: w.followUpsUrl } : {}),
        },
      ]),
    ),
    clients: {
      dynamodb: new DynamoDBClient({ ...common, endpoint: state.endpoints.dynamodb }),
      eventbridge: new EventBridgeClient({ ...common, endpoint: state.endpoints.eventbridge }),
      sfn: new SFNClient({ ...common, endpoint: state.endpoints.sfn }),
      lambda: new LambdaClient({ ...common, endpoint: state.endpoints.lambda }),
      kms: createKmsClient({ ...common, endpoint: state.endpoints.kms }),
    },
  };
}

async function stackOutputs(cfn: CloudFormationClient, stackName: string): Promise<Record<string, string>> {
  const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = Stacks?.[0]?.Outputs ?? [];
  return Object.fromEntries(outputs.map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

function requireOutput(outputs: Record<string, string>, key: string, stackName: string): string {
  const value = outputs[key];
  if (!value)
    throw new Error(`stack ${stackName} has no output ${key}; is it an awf stack deployed by this version?`);
  return value;
}

/** The checkpoint bucket and key of a data stack that has them. */
function checkpointsOf(data: Record<string, string>): Pick<Target, 'checkpoints'> {
  const bucketName = data[STACK_OUTPUTS.checkpointBucketName];
  const keyArn = data[STACK_OUTPUTS.checkpointKeyArn];
  return bucketName && keyArn ? { checkpoints: { bucketName, keyArn } } : {};
}

async function awsTarget(options: TargetOptions): Promise<Target> {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('no region: pass --region or set AWS_REGION');
  const dataStack = options.dataStack ?? DEFAULT_STACK_NAMES.data;
  const workflowsStack = options.stack ?? DEFAULT_STACK_NAMES.workflows;
  const cfn = new CloudFormationClient({ region });
  const [data, flows] = await Promise.all([stackOutputs(cfn, dataStack), stackOutputs(cfn, workflowsStack)]);
  const workflows = workflowsOutput.parse(
    JSON.parse(requireOutput(flows, STACK_OUTPUTS.workflows, workflowsStack)),
  );
  return {
    kind: 'aws',
    region,
    runsTable: requireOutput(data, STACK_OUTPUTS.runsTableName, dataStack),
    lineageTable: requireOutput(data, STACK_OUTPUTS.lineageTableName, dataStack),
    eventBus: requireOutput(data, STACK_OUTPUTS.eventBusName, dataStack),
    recordKeys: recordKeyIdsSchema.parse(JSON.parse(data[STACK_OUTPUTS.recordKeys] || '{}')),
    ...checkpointsOf(data),
    workflows: Object.fromEntries(
      Object.entries(workflows).map(([id, w]) => [
        id,
        {
          stateMachineArn: w.stateMachineArn,
          approvalsUrl: w.approvalsUrl,
          approverRoleArn: w.approverRoleArn,
          ...(w.operationsUrl ? { operationsUrl: w.operationsUrl } : {}),
          ...(w.operatorRoleArn ? { operatorRoleArn: w.operatorRoleArn } : {}),
          ...(w.followUpsUrl ? { followUpsUrl: w.followUpsUrl } : {}),
        },
      ]),
    ),
    clients: {
      dynamodb: new DynamoDBClient({ region }),
      eventbridge: new EventBridgeClient({ region }),
      sfn: new SFNClient({ region }),
      lambda: new LambdaClient({ region }),
      kms: createKmsClient({ region }),
    },
  };
}

/** Resolves the target of a command from its options. */
export async function resolveTarget(options: TargetOptions): Promise<Target> {
  return options.aws ? awsTarget(options) : localTarget(options);
}
