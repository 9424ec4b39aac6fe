/**
 * Lineage auditors can trust: checkpoints signed with a key only the
 * checkpointer may use, into an Object Lock bucket only it may put into; a
 * tamper alarm on the lineage stream; and no role, whatever its IAM policy,
 * able to change a stored record (the table's resource policy).
 */

import type { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { LINEAGE_TAMPER_METRIC } from '../../core/lineage/tamper.js';
import { ENV } from '../../core/runtime-env.js';
import type { FakeCloud } from './support/fake-cloud.js';
import {
  type AccessRequest,
  allRoles,
  isAllowed,
  type PolicyDocument,
  type RoleRef,
  rolesAllowed,
  statementsOf,
} from './support/iam.js';
import { fakeCloudOf, loadTestPacks, type SynthesizedAwf, synthAwf } from './support/synth.js';

let synth: SynthesizedAwf;
let template: Template;
let cloud: FakeCloud;
let everyRole: RoleRef[];
let shortestRetention: number;

/** The roles allowed `request`, each asking as itself (`aws:PrincipalArn`, which AWS always sets). */
async function rolesAllowedAsThemselves(
  request: Omit<AccessRequest, 'context'> & { context?: Record<string, string> },
) {
  const verdicts = await Promise.all(
    everyRole.map((role) =>
      isAllowed(cloud, role, {
        ...request,
        context: { ...request.context, 'aws:PrincipalArn': cloud.arnOf(role.stackName, role.logicalId) },
      }),
    ),
  );
  return everyRole.filter((_, i) => verdicts[i]);
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}
function roleRef(role: iam.Role): RoleRef {
  return { stackName: synth.data.stackName, logicalId: logicalIdOf(synth.data, role) };
}
const arnOf = (construct: { node: { defaultChild?: unknown } }): string =>
  cloud.arnOf(synth.data.stackName, logicalIdOf(synth.data, construct));
const names = (roles: readonly RoleRef[]): string[] =>
  roles.map((r) => `${r.stackName}/${r.logicalId}`).sort();

function resourcePolicyOf(construct: { node: { defaultChild?: unknown } }, property: string): PolicyDocument {
  const properties =
    cloud.resource(synth.data.stackName, logicalIdOf(synth.data, construct)).Properties ?? {};
  return cloud.resolve(
    synth.data.stackName,
    (properties as Record<string, never>)[property] ?? null,
  ) as never;
}

function bucketPolicy(): PolicyDocument {
  const [[, policy] = []] = cloud.resources(synth.data.stackName, 'AWS::S3::BucketPolicy');
  return cloud.resolve(synth.data.stackName, (policy?.Properties?.PolicyDocument ?? null) as never) as never;
}

beforeAll(async () => {
  const packs = await loadTestPacks();
  shortestRetention = Math.min(...packs.map(({ pack }) => pack.spec.data.retentionDays));
  synth = synthAwf({ packs });
  template = synth.dataTemplate;
  cloud = fakeCloudOf(synth);
  everyRole = allRoles(cloud, [synth.data.stackName, synth.workflows.stackName]);
});

describe('checkpoint signing key', () => {
  it('is an ECC_NIST_P256 signing key, retained when the stack goes', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      DeletionPolicy: 'Retain',
    });
  });

  it('lets the checkpointer role alone sign: the key policy denies kms:Sign to every other principal, whatever IAM grants', async () => {
    const key = arnOf(synth.data.anchoring.signingKey);
    const keyPolicy = resourcePolicyOf(synth.data.anchoring.signingKey, 'KeyPolicy');
    const request = { action: 'kms:Sign', resource: key, resourcePolicy: keyPolicy };
    expect(names(await rolesAllowedAsThemselves(request))).toEqual(
      names([roleRef(synth.data.anchoring.checkpointer.role)]),
    );
    // The key policy's account statement delegates to IAM; its Deny holds whatever IAM grants.
    const denied = keyPolicy.Statement.find((s) => s.Sid === 'OnlyTheCheckpointerSigns');
    expect(denied).toMatchObject({ Effect: 'Deny', Action: 'kms:Sign' });
  });
});

describe('checkpoint bucket', () => {
  it('locks objects in compliance mode for 365 days, versioned, encrypted, with public access blocked', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } },
        },
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('refuses requests without TLS and puts by anyone but the checkpointer', () => {
    expect(bucketPolicy().Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
        expect.objectContaining({
          Sid: 'OnlyTheCheckpointerPutsCheckpoints',
          Effect: 'Deny',
          Action: 's3:PutObject',
        }),
      ]),
    );
  });

  it('lets only the checkpointer role put checkpoints', async () => {
    const resource = `${arnOf(synth.data.anchoring.bucket)}/checkpoints/000000000000.json`;
    const allowed = await rolesAllowedAsThemselves({
      action: 's3:PutObject',
      resource,
      resourcePolicy: bucketPolicy(),
      context: { 'aws:SecureTransport': 'true' },
    });
    expect(names(allowed)).toEqual(names([roleRef(synth.data.anchoring.checkpointer.role)]));
  });
});

describe('checkpointer', () => {
  it('runs on an EventBridge Scheduler rate of 5 minutes', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: Match.objectLike({ RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 0 }) }),
    });
  });

  it('gets the table, bucket, key, origin, record keys and the shortest pack retention', () => {
    const { Environment } = cloud.resolve(
      synth.data.stackName,
      cloud.resource(
        synth.data.stackName,
        logicalIdOf(synth.data, synth.data.anchoring.checkpointer.function),
      ).Properties ?? {},
    ) as { Environment: { Variables: Record<string, string> } };
    expect(Environment.Variables).toMatchObject({
      [ENV.checkpointBucket]: expect.any(String),
      [ENV.checkpointKeyId]: arnOf(synth.data.anchoring.signingKey),
      [ENV.checkpointOrigin]: arnOf(synth.data.lineageTable),
      [ENV.checkpointRetentionDays]: String(shortestRetention),
      [ENV.recordKeys]: expect.stringContaining('"plan"'),
    });
  });

  it('may sign, read and put checkpoints, read the lineage table and verify MACs, and nothing else', async () => {
    const role = roleRef(synth.data.anchoring.checkpointer.role);
    const lineage = arnOf(synth.data.lineageTable);
    const bucket = arnOf(synth.data.anchoring.bucket);
    const actions = statementsOf(cloud, role).flatMap((s) => [s.Action ?? []].flat());
    expect([...new Set(actions)].sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:GetPublicKey',
      'kms:Sign',
      'kms:VerifyMac',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'sqs:SendMessage',
    ]);
    for (const [action, resource, allowed] of [
      ['dynamodb:Scan', lineage, true],
      ['dynamodb:Query', `${lineage}/index/byWorkflow`, false],
      ['dynamodb:PutItem', lineage, false],
      ['s3:PutObject', `${bucket}/checkpoints/000000000001.json`, true],
      ['s3:PutObject', `${bucket}/elsewhere.json`, false],
      ['s3:DeleteObject', `${bucket}/checkpoints/000000000001.json`, false],
      ['kms:Sign', arnOf(synth.data.key), false],
      ['kms:GenerateMac', arnOf(synth.data.recordKeys.plan as never), false],
    ] as const) {
      expect({ action, resource, allowed: await isAllowed(cloud, role, { action, resource }) }).toEqual({
        action,
        resource,
        allowed,
      });
    }
  });
});

describe('lineage table', () => {
  it('refuses every role, under the table resource policy, every action that changes or deletes a record', async () => {
    const lineage = arnOf(synth.data.lineageTable);
    const resourcePolicy = resourcePolicyOf(synth.data.lineageTable, 'ResourcePolicy') as unknown as {
      PolicyDocument: PolicyDocument;
    };
    for (const action of [
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:PartiQLUpdate',
      'dynamodb:PartiQLDelete',
    ]) {
      const allowed = await rolesAllowed(cloud, everyRole, {
        action,
        resource: lineage,
        resourcePolicy: resourcePolicy.PolicyDocument,
      });
      expect({ action, allowed: names(allowed) }).toEqual({ action, allowed: [] });
    }
  });

  it('still lets the writing steps put records under the resource policy', async () => {
    const lineage = arnOf(synth.data.lineageTable);
    const resourcePolicy = resourcePolicyOf(synth.data.lineageTable, 'ResourcePolicy') as unknown as {
      PolicyDocument: PolicyDocument;
    };
    const plan = Object.values(synth.workflows.workflows)[0]?.roles.plan as iam.Role;
    const role = { stackName: synth.workflows.stackName, logicalId: logicalIdOf(synth.workflows, plan) };
    expect(
      await isAllowed(cloud, role, {
        action: 'dynamodb:PutItem',
        resource: lineage,
        resourcePolicy: resourcePolicy.PolicyDocument,
      }),
    ).toBe(true);
  });
});

describe('tamper alarm', () => {
  it('maps the lineage stream to the tamper function for MODIFY and REMOVE only, with retries and a failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(synth.data, synth.data.lineageTable), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['MODIFY', 'REMOVE'] }) }] },
      MaximumRetryAttempts: 10,
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('lets the tamper function put only LineageTampered events from awf.lineage on the bus', () => {
    const role = roleRef(synth.data.tamper.tamperFunction.role);
    const events = statementsOf(cloud, role).filter((s) => s.Action === 'events:PutEvents');
    expect(events).toEqual([
      expect.objectContaining({
        Condition: expect.objectContaining({
          'ForAllValues:StringEquals': {
            'events:source': ['awf.lineage'],
            'events:detail-type': ['LineageTampered'],
          },
        }),
      }),
    ]);
  });

  it('alarms on one tamper event in a minute, missing data not breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: LINEAGE_TAMPER_METRIC.namespace,
      MetricName: LINEAGE_TAMPER_METRIC.name,
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });
});
