/**
 * The history key (the data stack's KMS HMAC key), proven by evaluating the
 * synthesized policies: a step that declares `keys: 'mac'` may
 * `kms:GenerateMac` with that key and do nothing else with it or with any
 * other key; a step that does not declare it may not use it at all.
 *
 * The real steps that hash keys (ground and act, and admit for business keys)
 * declare the port in their own definitions. So that this file proves the
 * grant whatever they declare, the gate step is given `keys: 'mac'` here, as a
 * test-only declaration: every expectation is derived from the (so amended)
 * declarations.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import type { Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { PortNeeds } from '../../core/steps/ports.js';
import type { StepName } from '../../core/steps/step-names.js';
import { GRANTS_FOR_AWS_SERVICES_ONLY_SID } from '../../lib/key-policies.js';

/** The step given `keys: 'mac'` by this test only. */
const TEST_HASHING_STEP: StepName = 'gate';

const definitions = await import('../../core/steps/definitions.js');
const declaredPorts = (step: StepName): PortNeeds =>
  step === TEST_HASHING_STEP
    ? { ...definitions.declaredPorts(step), keys: 'mac' }
    : definitions.declaredPorts(step);
jest.unstable_mockModule('../../core/steps/definitions.js', () => ({ ...definitions, declaredPorts }));

const { ENV } = await import('../../core/runtime-env.js');
const { STEP_NAMES } = await import('../../lib/steps.js');
const { loadReferencePack, REFERENCE_WORKFLOW_ID } = await import('../support/packs.js');
const { isAllowed, rolesAllowed } = await import('./support/iam.js');
const { fakeCloudOf, stepEnvironment, synthAwf } = await import('./support/synth.js');

type FakeCloud = ReturnType<typeof fakeCloudOf>;
type RoleRef = { readonly stackName: string; readonly logicalId: string };
type SynthesizedAwf = ReturnType<typeof synthAwf>;

let synth: SynthesizedAwf;
let cloud: FakeCloud;

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

const historyKeyArn = (): string =>
  cloud.arnOf(synth.data.stackName, logicalIdOf(synth.data, synth.data.historyKey));
const dataKeyArn = (): string => cloud.arnOf(synth.data.stackName, logicalIdOf(synth.data, synth.data.key));

function historyKeyPolicy() {
  const resource = cloud.resource(synth.data.stackName, logicalIdOf(synth.data, synth.data.historyKey));
  return cloud.resolve(synth.data.stackName, resource.Properties?.KeyPolicy ?? null) as never;
}

function stepRole(step: StepName): RoleRef {
  const workflow = synth.workflows.workflows[REFERENCE_WORKFLOW_ID];
  if (!workflow) throw new Error(`no workflow ${REFERENCE_WORKFLOW_ID}`);
  return {
    stackName: synth.workflows.stackName,
    logicalId: synth.workflows.getLogicalId(workflow.roles[step].node.defaultChild as iam.CfnRole),
  };
}

const hashingSteps = (): StepName[] => STEP_NAMES.filter((step) => declaredPorts(step).keys === 'mac');
const names = (roles: readonly RoleRef[]): string[] => roles.map((role) => role.logicalId).sort();

beforeAll(async () => {
  // Entries are generated under a bundling root of this test's own, so the
  // test-only declaration never rewrites the repository's generated entries.
  const root = mkdtempSync(join(tmpdir(), 'awf-history-key-'));
  writeFileSync(join(root, 'package-lock.json'), '{}\n');
  synth = synthAwf({ packs: [await loadReferencePack()], depsLockFilePath: join(root, 'package-lock.json') });
  cloud = fakeCloudOf(synth);
});

it('declares keys: mac on the test step, beside the real steps that declare it', () => {
  const declaredByDefinitions = STEP_NAMES.filter((step) => definitions.declaredPorts(step).keys === 'mac');
  expect(hashingSteps().sort()).toEqual([...new Set([...declaredByDefinitions, TEST_HASHING_STEP])].sort());
  // Ground and act hash the history keys they count and record; no step may hash without declaring it.
  expect(declaredByDefinitions).toEqual(expect.arrayContaining(['ground', 'act']));
});

it('creates the history key as a retained HMAC_256 key for GENERATE_VERIFY_MAC', () => {
  synth.dataTemplate.hasResource('AWS::KMS::Key', {
    Properties: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
  });
  expect(synth.data.historyKey.node.path).toBe('AwfData/HistoryKey');
});

it('lets exactly the roles whose step declares keys: mac GenerateMac with the history key', async () => {
  const roles = STEP_NAMES.map(stepRole);
  const allowed = await rolesAllowed(cloud, roles, {
    action: 'kms:GenerateMac',
    resource: historyKeyArn(),
    resourcePolicy: historyKeyPolicy(),
  });
  expect(names(allowed)).toEqual(names(hashingSteps().map(stepRole)));
});

it('refuses a hashing step every other use of the history key', async () => {
  const role = stepRole(TEST_HASHING_STEP);
  for (const action of [
    'kms:VerifyMac',
    'kms:Decrypt',
    'kms:Encrypt',
    'kms:GenerateDataKey',
    'kms:DescribeKey',
    'kms:CreateGrant',
    'kms:PutKeyPolicy',
    'kms:ScheduleKeyDeletion',
  ]) {
    const allowed = await isAllowed(cloud, role, {
      action,
      resource: historyKeyArn(),
      resourcePolicy: historyKeyPolicy(),
    });
    expect({ action, allowed }).toEqual({ action, allowed: false });
  }
});

it('refuses a hashing step GenerateMac with any other key', async () => {
  const role = stepRole(TEST_HASHING_STEP);
  const otherKey = `arn:aws:kms:${synth.data.region}:${synth.data.account}:key/00000000-0000-0000-0000-000000000000`;
  for (const resource of [dataKeyArn(), otherKey]) {
    expect({
      resource,
      allowed: await isAllowed(cloud, role, { action: 'kms:GenerateMac', resource }),
    }).toEqual({
      resource,
      allowed: false,
    });
  }
});

it("holds only the key policy's account statement: no service or other principal may use the key", () => {
  const statements = (historyKeyPolicy() as { Statement: { Principal?: unknown; Action?: unknown }[] })
    .Statement;
  expect(statements).toEqual([
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

it('gives the history key ARN to the hashing steps only', () => {
  for (const step of STEP_NAMES) {
    const variables = stepEnvironment(synth, cloud, REFERENCE_WORKFLOW_ID, step);
    expect({ step, keyId: variables[ENV.historyKeyId] }).toEqual({
      step,
      keyId: declaredPorts(step).keys === 'mac' ? historyKeyArn() : undefined,
    });
  }
});
