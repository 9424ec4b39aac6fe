/**
 * Who may decide, proven on the synthesized stacks: the approvals endpoint is
 * an `AWS_IAM` function URL; only the approver role may call it, and only
 * through the URL (never a direct invoke, where a caller could hand the
 * function a made-up identity); the approver role's trust policy pins the
 * session name to the caller's user name; the function trusts that role's
 * sessions. The simulation prints who may decide and who may write each
 * lineage record type.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { LINEAGE_RECORD_TYPES, LINEAGE_REGISTRY } from '../../core/lineage/registry.js';
import { ENV } from '../../core/runtime-env.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import { allRoles, isAllowed, type RoleRef, rolesAllowed } from './support/iam.js';
import { fakeCloudOf, loadTestPacks, synthAwf } from './support/synth.js';

type SynthesizedAwf = ReturnType<typeof synthAwf>;
let synth: SynthesizedAwf;
let cloud: ReturnType<typeof fakeCloudOf>;
let everyRole: RoleRef[];

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

function workflow(id = REFERENCE_WORKFLOW_ID) {
  const found = synth.workflows.workflows[id];
  if (!found) throw new Error(`no workflow ${id}`);
  return found;
}

const approverRole = (id = REFERENCE_WORKFLOW_ID): RoleRef => ({
  stackName: synth.workflows.stackName,
  logicalId: logicalIdOf(synth.workflows, workflow(id).approverRole),
});
const decideFunctionArn = (id = REFERENCE_WORKFLOW_ID): string =>
  cloud.arnOf(
    synth.workflows.stackName,
    logicalIdOf(synth.workflows, workflow(id).functions['decide-approval']),
  );
const label = (role: RoleRef): string => `${role.stackName}/${role.logicalId}`;

/** The request a function URL call makes of IAM: InvokeFunctionUrl with the URL's auth type. */
const urlCall = (id = REFERENCE_WORKFLOW_ID) => ({
  action: 'lambda:InvokeFunctionUrl',
  resource: decideFunctionArn(id),
  context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
});

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'awf-approvers-'));
  writeFileSync(join(root, 'package-lock.json'), '{}\n');
  synth = synthAwf({ packs: await loadTestPacks(), depsLockFilePath: join(root, 'package-lock.json') });
  cloud = fakeCloudOf(synth);
  everyRole = allRoles(cloud, [synth.data.stackName, synth.workflows.stackName]);
});

describe('the approvals endpoint', () => {
  it('is the decide-approval function URL, with AWS_IAM auth', () => {
    const urls = cloud.resources(synth.workflows.stackName, 'AWS::Lambda::Url');
    const target = logicalIdOf(synth.workflows, workflow().functions['decide-approval']);
    const ofDecide = urls.filter(([, url]) =>
      JSON.stringify(url.Properties?.TargetFunctionArn).includes(`"${target}"`),
    );
    expect(ofDecide).toHaveLength(1);
    expect(ofDecide[0]?.[1].Properties?.AuthType).toBe('AWS_IAM');
  });

  it('may be called by the approver role of its workflow only, of every role of the stacks', async () => {
    const allowed = await rolesAllowed(cloud, everyRole, urlCall());
    expect(allowed.map(label)).toEqual([label(approverRole())]);
  });

  it('cannot be invoked directly by anyone: InvokeFunction only through the URL', async () => {
    const direct = { action: 'lambda:InvokeFunction', resource: decideFunctionArn() };
    expect(await rolesAllowed(cloud, everyRole, direct)).toEqual([]);
    const viaUrl = { ...direct, context: { 'lambda:InvokedViaFunctionUrl': 'true' } };
    expect((await rolesAllowed(cloud, everyRole, viaUrl)).map(label)).toEqual([label(approverRole())]);
  });

  it("trusts the sessions of the workflow's approver role, whose trust policy pins the session name to the user name", () => {
    const role = cloud.resource(approverRole().stackName, approverRole().logicalId);
    const trust = cloud.resolve(
      approverRole().stackName,
      role.Properties?.AssumeRolePolicyDocument ?? null,
    ) as {
      Statement: { Action: string; Condition?: unknown }[];
    };
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Action: 'sts:AssumeRole',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the IAM policy variable itself
        Condition: { StringEquals: { 'sts:RoleSessionName': '${aws:username}' } },
      }),
    ]);
    const fn = cloud.resource(
      synth.workflows.stackName,
      logicalIdOf(synth.workflows, workflow().functions['decide-approval']),
    );
    const env = cloud.resolve(synth.workflows.stackName, fn.Properties?.Environment ?? null) as {
      Variables: Record<string, string>;
    };
    expect(JSON.parse(env.Variables[ENV.approverRoles] ?? '[]')).toEqual([
      cloud.arnOf(approverRole().stackName, approverRole().logicalId),
    ]);
  });

  it('gives the approver role nothing but the endpoint and the stacks it reads the endpoint from', async () => {
    const role = approverRole();
    for (const step of ['admit', 'act', 'remind', 'request-approval'] as const) {
      const arn = cloud.arnOf(
        synth.workflows.stackName,
        logicalIdOf(synth.workflows, workflow().functions[step]),
      );
      expect(await isAllowed(cloud, role, { action: 'lambda:InvokeFunction', resource: arn })).toBe(false);
    }
    expect(await isAllowed(cloud, role, { action: 'states:SendTaskSuccess', resource: '*' })).toBe(false);
    const runsTable = cloud.arnOf(synth.data.stackName, logicalIdOf(synth.data, synth.data.runsTable));
    expect(await isAllowed(cloud, role, { action: 'dynamodb:UpdateItem', resource: runsTable })).toBe(false);
    expect(await isAllowed(cloud, role, { action: 'dynamodb:Query', resource: runsTable })).toBe(false);
  });

  it("keeps each workflow's approvers to its own endpoint", async () => {
    const others = Object.keys(synth.workflows.workflows).filter((id) => id !== REFERENCE_WORKFLOW_ID);
    for (const id of others) {
      expect(await isAllowed(cloud, approverRole(REFERENCE_WORKFLOW_ID), urlCall(id))).toBe(false);
    }
  });
});

it('prints who may decide each workflow and who may write each lineage record type', async () => {
  const lines: string[] = ['who may call each approvals endpoint (lambda:InvokeFunctionUrl, AWS_IAM):'];
  for (const id of Object.keys(synth.workflows.workflows).sort()) {
    const allowed = await rolesAllowed(cloud, everyRole, urlCall(id));
    lines.push(`  ${id}: ${allowed.map(label).join(', ') || 'nobody'}`);
    expect(allowed.map(label)).toEqual([label(approverRole(id))]);
  }
  lines.push('who may write each lineage record type (kms:GenerateMac on its writer key):');
  for (const type of LINEAGE_RECORD_TYPES) {
    const writer = LINEAGE_REGISTRY[type].writer;
    const key = synth.data.recordKeys[writer];
    if (!key) throw new Error(`no record key for ${writer}`);
    const keyId = logicalIdOf(synth.data, key);
    const resourcePolicy = cloud.resolve(
      synth.data.stackName,
      cloud.resource(synth.data.stackName, keyId).Properties?.KeyPolicy ?? null,
    ) as never;
    const allowed = await rolesAllowed(cloud, everyRole, {
      action: 'kms:GenerateMac',
      resource: cloud.arnOf(synth.data.stackName, keyId),
      resourcePolicy,
    });
    lines.push(`  ${type}: ${allowed.map(label).join(', ') || 'nobody'}`);
    // One writer step per record type, once per workflow.
    expect(allowed.length).toBe(Object.keys(synth.workflows.workflows).length);
    expect(allowed.every((role) => role.stackName === synth.workflows.stackName)).toBe(true);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
});
