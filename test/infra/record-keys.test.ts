/**
 * The lineage record keys (one KMS HMAC key per step the registry names as a
 * writer), proven by evaluating the synthesized policies with each key's
 * policy: only a record type's writer may MAC with its key, so only it can
 * make a record that verifies; only the steps that declare they verify a
 * writer may `kms:VerifyMac` with that writer's key; the auditor role may
 * verify every key and MAC with none. Every expectation is derived from the
 * registry and the step declarations.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { RECORD_WRITERS } from '../../core/lineage/record-keys.js';
import { LINEAGE_RECORD_TYPES, LINEAGE_REGISTRY } from '../../core/lineage/registry.js';
import { ENV } from '../../core/runtime-env.js';
import { STACK_OUTPUTS } from '../../core/stack-outputs.js';
import { declaredPorts } from '../../core/steps/definitions.js';
import { recordKeysVerified } from '../../core/steps/ports.js';
import { STEP_NAMES, type StepName } from '../../core/steps/step-names.js';
import { GRANTS_FOR_AWS_SERVICES_ONLY_SID } from '../../lib/key-policies.js';
import { loadReferencePack, REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import { isAllowed, type RoleRef, rolesAllowed } from './support/iam.js';
import { fakeCloudOf, stepEnvironment, synthAwf } from './support/synth.js';

type SynthesizedAwf = ReturnType<typeof synthAwf>;
let synth: SynthesizedAwf;
let cloud: ReturnType<typeof fakeCloudOf>;

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

function recordKey(writer: StepName) {
  const key = synth.data.recordKeys[writer];
  if (!key) throw new Error(`no record key for ${writer}`);
  return key;
}

const recordKeyArn = (writer: StepName): string =>
  cloud.arnOf(synth.data.stackName, logicalIdOf(synth.data, recordKey(writer)));

function recordKeyPolicy(writer: StepName) {
  const resource = cloud.resource(synth.data.stackName, logicalIdOf(synth.data, recordKey(writer)));
  return cloud.resolve(synth.data.stackName, resource.Properties?.KeyPolicy ?? null) as never;
}

function workflow() {
  const found = synth.workflows.workflows[REFERENCE_WORKFLOW_ID];
  if (!found) throw new Error(`no workflow ${REFERENCE_WORKFLOW_ID}`);
  return found;
}

function stepRole(step: StepName): RoleRef {
  return {
    stackName: synth.workflows.stackName,
    logicalId: synth.workflows.getLogicalId(workflow().roles[step].node.defaultChild as iam.CfnRole),
  };
}

const auditorRole = (): RoleRef => ({
  stackName: synth.data.stackName,
  logicalId: logicalIdOf(synth.data, synth.data.auditorRole),
});

const verifiers = (writer: StepName): StepName[] =>
  STEP_NAMES.filter((step) => recordKeysVerified(declaredPorts(step).recordKeys).includes(writer));
const names = (roles: readonly RoleRef[]): string[] => roles.map((role) => role.logicalId).sort();

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'awf-record-keys-'));
  writeFileSync(join(root, 'package-lock.json'), '{}\n');
  synth = synthAwf({ packs: [await loadReferencePack()], depsLockFilePath: join(root, 'package-lock.json') });
  cloud = fakeCloudOf(synth);
});

it('creates a retained HMAC_256 record key per writer of the registry, and outputs their ARNs', () => {
  expect(Object.keys(synth.data.recordKeys)).toEqual([...RECORD_WRITERS]);
  for (const writer of RECORD_WRITERS) {
    const resource = cloud.resource(synth.data.stackName, logicalIdOf(synth.data, recordKey(writer)));
    expect({ writer, resource }).toMatchObject({
      writer,
      resource: {
        Properties: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      },
    });
  }
  expect(recordKey('decide-approval').node.path).toBe('AwfData/RecordKeyDecideApproval');
  const output = synth.dataTemplate.findOutputs(STACK_OUTPUTS.recordKeys)[STACK_OUTPUTS.recordKeys];
  const resolved = JSON.parse(cloud.resolve(synth.data.stackName, output?.Value) as string);
  expect(resolved).toEqual(
    Object.fromEntries(RECORD_WRITERS.map((writer) => [writer, recordKeyArn(writer)])),
  );
});

describe.each(LINEAGE_RECORD_TYPES.map((type) => [type, LINEAGE_REGISTRY[type].writer] as const))(
  '%s',
  (_type, writer) => {
    it(`may be MACed (so written) by the ${writer} role only`, async () => {
      const allowed = await rolesAllowed(cloud, [...STEP_NAMES.map(stepRole), auditorRole()], {
        action: 'kms:GenerateMac',
        resource: recordKeyArn(writer),
        resourcePolicy: recordKeyPolicy(writer),
      });
      expect(names(allowed)).toEqual(names([stepRole(writer)]));
    });
  },
);

describe.each(RECORD_WRITERS.map((writer) => [writer]))('the record key of %s', (writer) => {
  it('may be used for VerifyMac by the steps that declare they verify it, and the auditor, only', async () => {
    const allowed = await rolesAllowed(cloud, [...STEP_NAMES.map(stepRole), auditorRole()], {
      action: 'kms:VerifyMac',
      resource: recordKeyArn(writer),
      resourcePolicy: recordKeyPolicy(writer),
    });
    expect(names(allowed)).toEqual(names([...verifiers(writer).map(stepRole), auditorRole()]));
  });

  it('holds only the account statement in its key policy', () => {
    const { Statement } = recordKeyPolicy(writer) as { Statement: { Principal?: unknown }[] };
    expect(Statement).toEqual([
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
});

it('lets Act verify the records it acts on, decide-approval the approval records, follow-up the cancellations, remind the requests it climbs the ladder of, and Gate verify Ground records', () => {
  expect(verifiers('plan')).toEqual(['act']);
  expect(verifiers('request-approval').sort()).toEqual(['act', 'decide-approval', 'remind']);
  // follow-up checks a cancellation decide-approval recorded before it skips the follow-up.
  expect(verifiers('decide-approval').sort()).toEqual(['act', 'decide-approval', 'follow-up']);
  expect(verifiers('ground')).toEqual(['gate']);
});

it('refuses a writer every other use of its record key, and its MAC with the history key', async () => {
  // request-approval verifies nothing: its own key is for signing only.
  const role = stepRole('request-approval');
  for (const action of [
    'kms:Decrypt',
    'kms:Encrypt',
    'kms:DescribeKey',
    'kms:CreateGrant',
    'kms:PutKeyPolicy',
  ]) {
    const allowed = await isAllowed(cloud, role, {
      action,
      resource: recordKeyArn('request-approval'),
      resourcePolicy: recordKeyPolicy('request-approval'),
    });
    expect({ action, allowed }).toEqual({ action, allowed: false });
  }
  expect(
    await isAllowed(cloud, role, { action: 'kms:VerifyMac', resource: recordKeyArn('request-approval') }),
  ).toBe(false);
});

it('gives each step its own record key and those of the writers it verifies, by step, in AWF_RECORD_KEYS', () => {
  for (const step of STEP_NAMES) {
    const value = stepEnvironment(synth, cloud, REFERENCE_WORKFLOW_ID, step)[ENV.recordKeys];
    const need = declaredPorts(step).recordKeys;
    const expected =
      need === undefined
        ? undefined
        : Object.fromEntries(
            [step, ...recordKeysVerified(need)].map((writer) => [writer, recordKeyArn(writer as StepName)]),
          );
    expect({ step, keys: value === undefined ? undefined : JSON.parse(value) }).toEqual({
      step,
      keys: expected,
    });
  }
});
