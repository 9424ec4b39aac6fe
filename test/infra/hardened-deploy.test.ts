/**
 * A hardened deploy: the bus archive is encrypted with the data key and keeps
 * events no longer than the data retention; dead-letter queues keep theirs no
 * longer either; every key refuses grants not made by an AWS service
 * (CT.KMS.PR.3); the bus lets only each trigger's senders put its events;
 * Plan's model calls can be bounded by reserved concurrency.
 */
import { App, Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwfDataStack } from '../../lib/data-stack.js';
import { GRANTS_FOR_AWS_SERVICES_ONLY_SID } from '../../lib/key-policies.js';
import type { PackAtDir } from '../../lib/workflows-stack.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import type { FakeCloud } from './support/fake-cloud.js';
import { isAllowedFor, type PolicyDocument, type PolicyStatementJson } from './support/iam.js';
import { fakeCloudOf, loadTestPacks, type SynthesizedAwf, synthAwf, TEST_ENV } from './support/synth.js';

const { account, region } = TEST_ENV;
const SENDER = `arn:aws:iam::${account}:role/acme-support-desk`;
const SSO_SENDERS = `arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Refunds_*`;

let packs: PackAtDir[];
let synth: SynthesizedAwf;
let cloud: FakeCloud;

beforeAll(async () => {
  packs = await loadTestPacks();
  synth = synthAwf({
    packs,
    stacks: {
      triggerSenders: {
        [REFERENCE_WORKFLOW_ID]: [new iam.ArnPrincipal(SENDER), new iam.ArnPrincipal(SSO_SENDERS)],
      },
      modelConcurrency: { [REFERENCE_WORKFLOW_ID]: 5 },
    },
  });
  cloud = fakeCloudOf(synth);
});

const logicalIdOf = (construct: { node: { defaultChild?: unknown } }, stack: Stack = synth.data): string =>
  stack.getLogicalId(construct.node.defaultChild as never);

function resolvedKeyPolicy(keyLogicalId: string): PolicyDocument {
  const { stackName } = synth.data;
  return cloud.resolve(
    stackName,
    cloud.resource(stackName, keyLogicalId).Properties?.KeyPolicy ?? null,
  ) as never;
}

describe('the event archive', () => {
  it('is encrypted with the data key: a key ARN, never an empty KmsKeyIdentifier (aws-cdk#37847)', () => {
    const archives = [synth.dataTemplate, synth.workflowsTemplate].flatMap((t) =>
      Object.values(t.findResources('AWS::Events::Archive')),
    );
    expect(archives).toHaveLength(1);
    for (const archive of archives) expect(archive.Properties?.KmsKeyIdentifier).not.toBe('');
    synth.dataTemplate.hasResourceProperties('AWS::Events::Archive', {
      KmsKeyIdentifier: { 'Fn::GetAtt': [logicalIdOf(synth.data.key), 'Arn'] },
    });
  });

  it('lets EventBridge use the data key for this bus only', () => {
    const busArn = cloud.arnOf(synth.data.stackName, logicalIdOf(synth.data.eventBus));
    expect(resolvedKeyPolicy(logicalIdOf(synth.data.key)).Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncrypt*'],
          Condition: { StringEquals: { 'kms:EncryptionContext:aws:events:event-bus:arn': busArn } },
        }),
      ]),
    );
  });

  it('keeps events 30 days, or the shortest data retention of the packs when shorter', () => {
    const shortest = Math.min(...packs.map(({ pack }) => pack.spec.data.retentionDays));
    synth.dataTemplate.hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: Math.min(30, shortest),
    });
    const shortLived = dataStack({ dataRetentionDays: 7 });
    expect(
      Object.values(shortLived.findResources('AWS::Events::Archive'))[0]?.Properties?.RetentionDays,
    ).toBe(7);
  });

  it('fails when the archive would keep events longer than the data retention, or less than a whole day', () => {
    expect(() => dataStack({ dataRetentionDays: 7, eventArchiveRetention: Duration.days(8) })).toThrow(
      'eventArchiveRetention must be at most dataRetentionDays (7 days), got 8 days',
    );
    expect(() => dataStack({ eventArchiveRetention: Duration.hours(36) })).toThrow(
      'eventArchiveRetention must be a whole number of days, at least 1, got 1 day 12 hours',
    );
  });
});

/** A data stack alone, synthesized without bundling. */
function dataStack(props: ConstructorParameters<typeof AwfDataStack>[2]): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new AwfDataStack(app, 'AwfData', { env: TEST_ENV, ...props }));
}

describe('dead-letter queues', () => {
  const DAY = 24 * 60 * 60;

  it('keep messages no longer than SQS allows (14 days) nor the data retention of what they hold', () => {
    const queues = [synth.dataTemplate, synth.workflowsTemplate].flatMap((t) =>
      Object.values(t.findResources('AWS::SQS::Queue')),
    );
    expect(queues.length).toBe(1 + packs.length);
    const shortest = Math.min(...packs.map(({ pack }) => pack.spec.data.retentionDays));
    for (const queue of queues) {
      expect(queue.Properties?.MessageRetentionPeriod).toBeLessThanOrEqual(Math.min(14, shortest) * DAY);
    }
    const shortLived = dataStack({ dataRetentionDays: 3 });
    expect(Object.values(shortLived.findResources('AWS::SQS::Queue'))[0]?.Properties).toMatchObject({
      MessageRetentionPeriod: 3 * DAY,
    });
  });

  it("keeps a workflow's dead letters (trigger events) no longer than its own data retention", () => {
    const reference = packs.find(({ pack }) => pack.spec.id === REFERENCE_WORKFLOW_ID);
    if (!reference) throw new Error('no reference pack');
    const shortLived: PackAtDir = {
      dir: reference.dir,
      pack: {
        ...reference.pack,
        spec: { ...reference.pack.spec, data: { ...reference.pack.spec.data, retentionDays: 5 } },
      },
    };
    const short = synthAwf({ packs: [shortLived] });
    short.workflowsTemplate.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 5 * DAY });
  });

  it("encrypt a workflow's queue with the data key (EventBridge may use it), the data stack's with SQS-managed keys", () => {
    synth.workflowsTemplate.allResourcesProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::ImportValue': Match.stringLikeRegexp('DataKey') },
    });
    synth.dataTemplate.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });
});

describe('key grants (CT.KMS.PR.3)', () => {
  const keys = () => cloud.resources(synth.data.stackName, 'AWS::KMS::Key').map(([logicalId]) => logicalId);
  const adminPolicy: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'kms:CreateGrant', Resource: '*' }],
  };
  const operator = `arn:aws:iam::${account}:role/operator`;

  it('gives every key of the data stack the statement that denies grants not made by an AWS service', () => {
    expect(keys().length).toBeGreaterThan(3);
    for (const key of keys()) {
      const statement = resolvedKeyPolicy(key).Statement.find(
        (s) => s.Sid === GRANTS_FOR_AWS_SERVICES_ONLY_SID,
      );
      expect({ key, statement }).toEqual({
        key,
        statement: {
          Sid: GRANTS_FOR_AWS_SERVICES_ONLY_SID,
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: {
            BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
          },
        } satisfies PolicyStatementJson & { Principal: unknown },
      });
    }
  });

  it('refuses kms:CreateGrant to a principal allowed it by IAM, unless an AWS service asks for it', async () => {
    for (const key of keys()) {
      const request = {
        action: 'kms:CreateGrant',
        resource: cloud.arnOf(synth.data.stackName, key),
        resourceAccount: account,
        resourcePolicy: resolvedKeyPolicy(key),
      };
      expect(await isAllowedFor(operator, [adminPolicy], request)).toBe(false);
      expect(
        await isAllowedFor(operator, [adminPolicy], {
          ...request,
          context: { 'kms:GrantIsForAWSResource': 'false' },
        }),
      ).toBe(false);
      expect(
        await isAllowedFor(operator, [adminPolicy], {
          ...request,
          context: { 'kms:GrantIsForAWSResource': 'true' },
        }),
      ).toBe(true);
    }
  });
});

describe('who may put trigger events', () => {
  const busArn = () => cloud.arnOf(synth.data.stackName, logicalIdOf(synth.data.eventBus));
  const putAnything: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }],
  };

  /** Every statement the workflows put on the bus, resolved, as one policy. */
  function busPolicy(): PolicyDocument {
    const { stackName } = synth.workflows;
    const statements = cloud.resources(stackName, 'AWS::Events::EventBusPolicy').map(([, resource]) => {
      const { Statement, StatementId } = cloud.resolve(stackName, resource.Properties ?? {}) as unknown as {
        Statement: PolicyStatementJson;
        StatementId: string;
      };
      return { Sid: StatementId, ...Statement };
    });
    return { Version: '2012-10-17', Statement: statements };
  }

  function triggerOf(workflowId: string) {
    const found = packs.find(({ pack }) => pack.spec.id === workflowId);
    if (!found) throw new Error(`no pack ${workflowId}`);
    return found.pack.spec.trigger;
  }

  const put = (principal: string, source: string | string[], detailType: string | string[]) =>
    isAllowedFor(principal, [putAnything], {
      action: 'events:PutEvents',
      resource: busArn(),
      resourceAccount: account,
      resourcePolicy: busPolicy(),
      // The simulator does not derive the principal's global keys: give them as IAM would.
      context: {
        'aws:PrincipalArn': principal,
        'aws:PrincipalAccount': principal.split(':')[4] ?? '',
        'events:source': [source].flat(),
        'events:detail-type': [detailType].flat(),
      },
    });

  it('puts one bus policy statement per workflow, on the platform bus', () => {
    expect(busPolicy().Statement).toHaveLength(packs.length);
    synth.workflowsTemplate.allResourcesProperties('AWS::Events::EventBusPolicy', {
      EventBusName: { 'Fn::ImportValue': Match.stringLikeRegexp('EventBus') },
    });
  });

  it("lets only the listed senders put the reference workflow's trigger events", async () => {
    const { source, detailType } = triggerOf(REFERENCE_WORKFLOW_ID);
    expect(await put(SENDER, source, detailType)).toBe(true);
    expect(
      await put(
        `arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Refunds_0a1b2c`,
        source,
        detailType,
      ),
    ).toBe(true);
    expect(await put(`arn:aws:iam::${account}:role/some-other-system`, source, detailType)).toBe(false);
  });

  it('refuses a trigger event hidden in a batch of other events', async () => {
    const { source, detailType } = triggerOf(REFERENCE_WORKFLOW_ID);
    const other = `arn:aws:iam::${account}:role/some-other-system`;
    expect(await put(other, ['acme.other', source], ['Other', detailType])).toBe(false);
    expect(await put(other, 'acme.other', 'Other')).toBe(true);
  });

  it("lets any principal of the account, and only of the account, put a default workflow's trigger events", async () => {
    const fixture = packs.find(({ pack }) => pack.spec.id !== REFERENCE_WORKFLOW_ID);
    if (!fixture) throw new Error('no second pack');
    const { source, detailType } = fixture.pack.spec.trigger;
    expect(await put(`arn:aws:iam::${account}:role/anyone-here`, source, detailType)).toBe(true);
    expect(await put('arn:aws:iam::999988887777:role/elsewhere', source, detailType)).toBe(false);
  });

  it('fails on an empty sender list, or a service principal as sender', () => {
    expect(() => synthAwf({ packs, stacks: { triggerSenders: { [REFERENCE_WORKFLOW_ID]: [] } } })).toThrow(
      'triggerSenders must list at least one principal when given, got []',
    );
    expect(() =>
      synthAwf({
        packs,
        stacks: {
          triggerSenders: { [REFERENCE_WORKFLOW_ID]: [new iam.ServicePrincipal('lambda.amazonaws.com')] },
        },
      }),
    ).toThrow('triggerSenders must be IAM roles, users or ARN principals');
    expect(() => synthAwf({ packs, stacks: { triggerSenders: { 'no-such-workflow': [] } } })).toThrow(
      'triggerSenders must be keyed by deployed workflow ids',
    );
  });
});

describe('model concurrency', () => {
  it('reserves concurrency on the Plan function of the workflow that sets it, and on no other function', () => {
    const functions = Object.entries(synth.workflowsTemplate.findResources('AWS::Lambda::Function'));
    const reserved = functions.filter(([, fn]) => fn.Properties?.ReservedConcurrentExecutions !== undefined);
    const plan = synth.workflows.workflows[REFERENCE_WORKFLOW_ID]?.functions.plan;
    if (!plan) throw new Error('no plan function');
    expect(
      reserved.map(([logicalId, fn]) => [logicalId, fn.Properties?.ReservedConcurrentExecutions]),
    ).toEqual([[logicalIdOf(plan, synth.workflows), 5]]);
  });

  it('reserves nothing by default', () => {
    const plain = synthAwf({ packs });
    expect(
      Object.values(plain.workflowsTemplate.findResources('AWS::Lambda::Function')).filter(
        (fn) => fn.Properties?.ReservedConcurrentExecutions !== undefined,
      ),
    ).toEqual([]);
  });

  it('fails on a concurrency that is not a whole number of at least 1', () => {
    for (const bad of [0, 2.5]) {
      expect(() =>
        synthAwf({ packs, stacks: { modelConcurrency: { [REFERENCE_WORKFLOW_ID]: bad } } }),
      ).toThrow(
        `modelConcurrency must be a whole number of concurrent Plan invocations, at least 1, got ${bad}`,
      );
    }
  });
});

it('synthesizes for the region and account under test', () => {
  expect(synth.data.region).toBe(region);
});
