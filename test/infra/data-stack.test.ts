/**
 * The stateful stack keeps evidence safe: encrypted with a rotated
 * customer-managed key, recoverable, protected from deletion, streamed for
 * tamper alarms, readable by auditors only.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { RECORD_WRITERS } from '../../core/lineage/record-keys.js';
import { STACK_OUTPUTS } from '../../core/stack-outputs.js';
import { LINEAGE_TABLE_LAYOUT, RUNS_TABLE_LAYOUT } from '../../core/storage/table-layout.js';
import { FakeCloud } from './support/fake-cloud.js';
import { statementsOf } from './support/iam.js';
import { loadTestPacks, type SynthesizedAwf, synthAwf, TEST_ENV } from './support/synth.js';

let synth: SynthesizedAwf;
let template: Template;

const keyRef = (): unknown => ({
  'Fn::GetAtt': [synth.data.getLogicalId(synth.data.key.node.defaultChild as never), 'Arn'],
});

beforeAll(async () => {
  synth = synthAwf({ packs: await loadTestPacks() });
  template = synth.dataTemplate;
});

it('turns termination protection on', () => {
  expect(synth.data.terminationProtection).toBe(true);
});

it('creates a customer-managed key with yearly rotation that is retained when the stack goes', () => {
  // This one for the data, the history keys' HMAC key (test/infra/history-key.test.ts), an HMAC
  // key per lineage writer (test/infra/record-keys.test.ts) and the task token key
  // (test/infra/task-token-key.test.ts).
  // ...and the checkpoint signing key (test/infra/lineage-anchoring.test.ts).
  template.resourceCountIs('AWS::KMS::Key', 4 + RECORD_WRITERS.length);
  template.hasResource('AWS::KMS::Key', {
    Properties: { EnableKeyRotation: true },
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
  });
});

it('lets CloudWatch Logs and EventBridge use the key only for this account', () => {
  const cloud = new FakeCloud([{ stackName: synth.data.stackName, template: template.toJSON() }], TEST_ENV);
  const keyId = synth.data.getLogicalId(synth.data.key.node.defaultChild as never);
  const policy = cloud.resolve(
    synth.data.stackName,
    cloud.resource(synth.data.stackName, keyId).Properties?.KeyPolicy ?? null,
  );
  const { account, region } = TEST_ENV;
  expect(policy).toMatchObject({
    Statement: expect.arrayContaining([
      expect.objectContaining({
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Condition: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${account}:log-group:*` },
        },
      }),
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:aws:events:${region}:${account}:rule/*` },
        },
      }),
    ]),
  });
});

it('creates a custom event bus with an archive of its events', () => {
  template.resourceCountIs('AWS::Events::EventBus', 1);
  const busName = { Ref: synth.data.getLogicalId(synth.data.eventBus.node.defaultChild as never) };
  template.hasResourceProperties('AWS::Events::Archive', {
    SourceArn: { 'Fn::GetAtt': [busName.Ref, 'Arn'] },
    RetentionDays: 30,
    EventPattern: { account: [TEST_ENV.account] },
  });
});

describe('runs table', () => {
  it('is on-demand, recoverable, encrypted with the key and expires records on expiresAt', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: RUNS_TABLE_LAYOUT.partitionKey, KeyType: 'HASH' },
        { AttributeName: RUNS_TABLE_LAYOUT.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyRef() },
      TimeToLiveSpecification: { AttributeName: RUNS_TABLE_LAYOUT.timeToLiveAttribute, Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: RUNS_TABLE_LAYOUT.indexes.byWorkflow.indexName,
          KeySchema: [
            { AttributeName: RUNS_TABLE_LAYOUT.indexes.byWorkflow.partitionKey, KeyType: 'HASH' },
            { AttributeName: RUNS_TABLE_LAYOUT.indexes.byWorkflow.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });
});

describe('lineage table', () => {
  const lineage = (): Record<string, unknown> => {
    const tables = template.findResources('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: Match.arrayWith([{ AttributeName: LINEAGE_TABLE_LAYOUT.partitionKey, KeyType: 'HASH' }]),
      },
    });
    const found = Object.values(tables);
    expect(found).toHaveLength(1);
    return found[0] as Record<string, unknown>;
  };

  it('keys records by chain and numeric position', () => {
    expect(lineage()).toMatchObject({
      Properties: {
        KeySchema: [
          { AttributeName: LINEAGE_TABLE_LAYOUT.partitionKey, KeyType: 'HASH' },
          { AttributeName: LINEAGE_TABLE_LAYOUT.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: expect.arrayContaining([
          { AttributeName: LINEAGE_TABLE_LAYOUT.sortKey, AttributeType: 'N' },
        ]),
      },
    });
  });

  it('is protected from deletion, retained, recoverable and encrypted with the key', () => {
    expect(lineage()).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        DeletionProtectionEnabled: true,
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyRef() },
      },
    });
  });

  it('streams new and old images for tamper alarms', () => {
    expect(lineage()).toMatchObject({
      Properties: { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } },
    });
  });

  it('has the indexes of the table layout: byWorkflow with whole records, the sparse runsByEntity (keys) and byDecision (whole records)', () => {
    const indexes = (lineage() as { Properties: { GlobalSecondaryIndexes: unknown[] } }).Properties
      .GlobalSecondaryIndexes;
    expect(indexes).toEqual([
      {
        IndexName: 'byWorkflow',
        KeySchema: [
          { AttributeName: 'workflowId', KeyType: 'HASH' },
          { AttributeName: 'at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'runsByEntity',
        KeySchema: [
          { AttributeName: 'runEntityKey', KeyType: 'HASH' },
          { AttributeName: 'at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: 'byDecision',
        KeySchema: [
          { AttributeName: 'decisionKind', KeyType: 'HASH' },
          { AttributeName: 'at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('expires records on expiresAt, which the store sets from the workflow retention (outside the hash)', () => {
    expect(lineage()).toMatchObject({
      Properties: {
        TimeToLiveSpecification: { AttributeName: LINEAGE_TABLE_LAYOUT.timeToLiveAttribute, Enabled: true },
      },
    });
  });

  it('denies every principal, by the table resource policy, every action that changes or deletes a record', () => {
    expect(lineage()).toMatchObject({
      Properties: {
        ResourcePolicy: {
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Action: [
                  'dynamodb:BatchWriteItem',
                  'dynamodb:DeleteItem',
                  'dynamodb:PartiQLDelete',
                  'dynamodb:PartiQLUpdate',
                  'dynamodb:UpdateItem',
                ],
                Resource: '*',
              },
            ],
          },
        },
      },
    });
  });
});

it('gives the auditor role read actions only, on the lineage table and its named indexes only', () => {
  const cloud = new FakeCloud([{ stackName: synth.data.stackName, template: template.toJSON() }], TEST_ENV);
  const role = {
    stackName: synth.data.stackName,
    logicalId: synth.data.getLogicalId(synth.data.auditorRole.node.defaultChild as never),
  };
  const lineageArn = cloud.arnOf(
    synth.data.stackName,
    synth.data.getLogicalId(synth.data.lineageTable.node.defaultChild as never),
  );
  const statements = statementsOf(cloud, role);
  const dynamodb = statements.filter((s) => [s.Action ?? []].flat().some((a) => a.startsWith('dynamodb:')));
  expect(dynamodb).toEqual([
    {
      Effect: 'Allow',
      Action: [
        'dynamodb:BatchGetItem',
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:Scan',
      ],
      Resource: expect.arrayContaining([
        lineageArn,
        `${lineageArn}/index/byWorkflow`,
        `${lineageArn}/index/runsByEntity`,
        `${lineageArn}/index/byDecision`,
      ]),
    },
  ]);
  expect(dynamodb[0]?.Resource).toHaveLength(4);
  const kms = statements.filter((s) => [s.Action ?? []].flat().some((a) => a.startsWith('kms:')));
  expect(kms).toEqual([
    expect.objectContaining({
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${TEST_ENV.region}.amazonaws.com` } },
    }),
    // Checking who wrote each record (test/infra/record-keys.test.ts).
    { Effect: 'Allow', Action: 'kms:VerifyMac', Resource: expect.any(Array) },
    // The checkpoints' public key (test/infra/lineage-anchoring.test.ts).
    expect.objectContaining({ Action: ['kms:DescribeKey', 'kms:GetPublicKey'] }),
  ]);
  expect(kms[1]?.Resource).toHaveLength(RECORD_WRITERS.length);
  // Reading the checkpoints: their objects, and listing the bucket.
  const s3 = statements.filter((s) => [s.Action ?? []].flat().some((a) => a.startsWith('s3:')));
  expect(s3.map((s) => s.Action)).toEqual(['s3:GetObject', 's3:ListBucket']);
  expect(statements).toHaveLength(dynamodb.length + kms.length + s3.length);
});

it('outputs the table and bus names, the checkpoint bucket and the checkpoint key the awf CLI reads', () => {
  for (const output of [
    STACK_OUTPUTS.runsTableName,
    STACK_OUTPUTS.lineageTableName,
    STACK_OUTPUTS.eventBusName,
    STACK_OUTPUTS.checkpointBucketName,
    STACK_OUTPUTS.checkpointKeyArn,
  ]) {
    template.hasOutput(output, { Value: Match.anyValue() });
  }
});
