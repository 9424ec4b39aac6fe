/**
 * The task token key (the data stack's symmetric KMS key), proven by
 * evaluating the synthesized policies: the step that declares
 * `tokens: 'seal'` (request-approval) may only `kms:Encrypt` with it, the
 * step that declares `tokens: 'open'` (decide-approval) may only
 * `kms:Decrypt` with it, each only with an `approvalId` encryption context
 * and no other; no other role may use the key. So no role but the decide
 * step's can read a stored task token, and none other can resume a run.
 */

import type { Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { ENV } from '../../core/runtime-env.js';
import { declaredPorts } from '../../core/steps/definitions.js';
import { GRANTS_FOR_AWS_SERVICES_ONLY_SID } from '../../lib/key-policies.js';
import { STEP_NAMES, type StepName } from '../../lib/steps.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import type { FakeCloud } from './support/fake-cloud.js';
import { allRoles, isAllowed, type PolicyDocument, type RoleRef, rolesAllowed } from './support/iam.js';
import {
  fakeCloudOf,
  loadTestPacks,
  type SynthesizedAwf,
  stepEnvironment,
  synthAwf,
} from './support/synth.js';

let synth: SynthesizedAwf;
let cloud: FakeCloud;
let everyRole: RoleRef[];

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

const tokenKeyArn = (): string =>
  cloud.arnOf(synth.data.stackName, logicalIdOf(synth.data, synth.data.tokenKey));

function tokenKeyPolicy(): PolicyDocument {
  const resource = cloud.resource(synth.data.stackName, logicalIdOf(synth.data, synth.data.tokenKey));
  return cloud.resolve(synth.data.stackName, resource.Properties?.KeyPolicy ?? null) as never;
}

function stepRole(step: StepName, workflowId = REFERENCE_WORKFLOW_ID): RoleRef {
  const workflow = synth.workflows.workflows[workflowId];
  if (!workflow) throw new Error(`no workflow ${workflowId}`);
  return {
    stackName: synth.workflows.stackName,
    logicalId: synth.workflows.getLogicalId(workflow.roles[step].node.defaultChild as iam.CfnRole),
  };
}

const names = (roles: readonly RoleRef[]): string[] =>
  roles.map((role) => `${role.stackName}/${role.logicalId}`).sort();

/**
 * A use of the key with an encryption context of these keys. The grants
 * condition on `kms:EncryptionContextKeys`, which the simulator evaluates
 * (it ignores `kms:EncryptionContext:<key>`, whose name has no `/`).
 */
const use = (action: string, contextKeys: readonly string[] = ['approvalId']) => ({
  action,
  resource: tokenKeyArn(),
  resourcePolicy: tokenKeyPolicy(),
  context: { 'kms:EncryptionContextKeys': [...contextKeys] },
});

beforeAll(async () => {
  synth = synthAwf({ packs: await loadTestPacks() });
  cloud = fakeCloudOf(synth);
  everyRole = allRoles(cloud, [synth.data.stackName, synth.workflows.stackName]);
});

it('declares tokens: seal on the steps that store a token (request-approval, park) and open on those that resume one (decide-approval, switch), and on no other step', () => {
  expect(STEP_NAMES.filter((step) => declaredPorts(step).tokens !== undefined).sort()).toEqual([
    'decide-approval',
    'park',
    'request-approval',
    'switch',
  ]);
  expect(declaredPorts('request-approval').tokens).toBe('seal');
  expect(declaredPorts('park').tokens).toBe('seal');
  expect(declaredPorts('decide-approval').tokens).toBe('open');
  expect(declaredPorts('switch').tokens).toBe('open');
});

it('creates the task token key as a retained, rotated symmetric encryption key', () => {
  const resource = cloud.resource(synth.data.stackName, logicalIdOf(synth.data, synth.data.tokenKey));
  expect(resource.Properties).toMatchObject({ EnableKeyRotation: true });
  expect(resource.Properties?.KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
  expect(resource.Properties?.KeyUsage ?? 'ENCRYPT_DECRYPT').toBe('ENCRYPT_DECRYPT');
  expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  expect(synth.data.tokenKey.node.path).toBe('AwfData/TaskTokenKey');
});

it('lets only the sealing roles Encrypt and only the opening roles Decrypt with the key, of every role', async () => {
  const sealing = STEP_NAMES.filter((step) => declaredPorts(step).tokens === 'seal');
  const opening = STEP_NAMES.filter((step) => declaredPorts(step).tokens === 'open');
  const workflowIds = Object.keys(synth.workflows.workflows);
  expect(names(await rolesAllowed(cloud, everyRole, use('kms:Encrypt')))).toEqual(
    names(workflowIds.flatMap((id) => sealing.map((step) => stepRole(step, id)))),
  );
  expect(names(await rolesAllowed(cloud, everyRole, use('kms:Decrypt')))).toEqual(
    names(workflowIds.flatMap((id) => opening.map((step) => stepRole(step, id)))),
  );
});

it('refuses the request step Decrypt, and the decide step Encrypt: neither does both', async () => {
  expect(await isAllowed(cloud, stepRole('request-approval'), use('kms:Decrypt'))).toBe(false);
  expect(await isAllowed(cloud, stepRole('decide-approval'), use('kms:Encrypt'))).toBe(false);
});

it('refuses a use without an approvalId encryption context, or with another context key', async () => {
  for (const [step, action] of [
    ['request-approval', 'kms:Encrypt'],
    ['decide-approval', 'kms:Decrypt'],
  ] as const) {
    const role = stepRole(step);
    expect(await isAllowed(cloud, role, use(action))).toBe(true);
    expect({ step, none: await isAllowed(cloud, role, use(action, [])) }).toEqual({ step, none: false });
    expect({ step, other: await isAllowed(cloud, role, use(action, ['runId'])) }).toEqual({
      step,
      other: false,
    });
    expect({ step, extra: await isAllowed(cloud, role, use(action, ['approvalId', 'runId'])) }).toEqual({
      step,
      extra: false,
    });
  }
});

it('refuses both steps every other use of the key', async () => {
  for (const step of ['request-approval', 'decide-approval'] as const) {
    for (const action of [
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
      'kms:GenerateDataKey',
      'kms:DescribeKey',
      'kms:CreateGrant',
      'kms:PutKeyPolicy',
      'kms:ScheduleKeyDeletion',
    ]) {
      const allowed = await isAllowed(cloud, stepRole(step), use(action));
      expect({ step, action, allowed }).toEqual({ step, action, allowed: false });
    }
  }
});

it("holds only the key policy's account statement: no service or other principal may use the key", () => {
  expect((tokenKeyPolicy() as { Statement: unknown[] }).Statement).toEqual([
    expect.objectContaining({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${synth.data.account}:root` },
    }),
    // CT.KMS.PR.3: grants only for AWS services (lib/key-policies.ts); it allows nothing.
    expect.objectContaining({
      Sid: GRANTS_FOR_AWS_SERVICES_ONLY_SID,
      Effect: 'Deny',
      Action: 'kms:CreateGrant',
    }),
  ]);
});

it('gives the task token key ARN to the sealing and opening steps only', () => {
  for (const step of STEP_NAMES) {
    const variables = stepEnvironment(synth, cloud, REFERENCE_WORKFLOW_ID, step);
    expect({ step, keyId: variables[ENV.tokenKeyId] }).toEqual({
      step,
      keyId: declaredPorts(step).tokens === undefined ? undefined : tokenKeyArn(),
    });
  }
});
