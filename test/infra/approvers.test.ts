/**
 * Who may decide and who may operate, proven on the synthesized stacks: the
 * approvals endpoint (decide-approval) and the operations endpoint (switch)
 * are `AWS_IAM` function URLs; only the workflow's approver role, and only its
 * operator role, may call each, and only through the URL (never a direct
 * invoke, where a caller could hand the function a made-up identity); each
 * role's trust policy pins the session name to the caller's user name; each
 * function trusts its own role's sessions only. The simulation prints who may
 * decide, who may operate and who may write each lineage record type.
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

/** The two endpoints people act through: the step serving each, and the role allowed to call it. */
const ENDPOINTS = [
  { name: 'approvals', step: 'decide-approval', roleOf: 'approverRole' },
  { name: 'operations', step: 'switch', roleOf: 'operatorRole' },
] as const;
type Endpoint = (typeof ENDPOINTS)[number];

const roleOf = (endpoint: Endpoint, id = REFERENCE_WORKFLOW_ID): RoleRef => ({
  stackName: synth.workflows.stackName,
  logicalId: logicalIdOf(synth.workflows, workflow(id)[endpoint.roleOf]),
});
const functionArnOf = (endpoint: Endpoint, id = REFERENCE_WORKFLOW_ID): string =>
  cloud.arnOf(synth.workflows.stackName, logicalIdOf(synth.workflows, workflow(id).functions[endpoint.step]));
const label = (role: RoleRef): string => `${role.stackName}/${role.logicalId}`;

/** The request a function URL call makes of IAM: InvokeFunctionUrl with the URL's auth type. */
const urlCall = (endpoint: Endpoint = ENDPOINTS[0], id = REFERENCE_WORKFLOW_ID) => ({
  action: 'lambda:InvokeFunctionUrl',
  resource: functionArnOf(endpoint, id),
  context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
});

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'awf-approvers-'));
  writeFileSync(join(root, 'package-lock.json'), '{}\n');
  synth = synthAwf({ packs: await loadTestPacks(), depsLockFilePath: join(root, 'package-lock.json') });
  cloud = fakeCloudOf(synth);
  everyRole = allRoles(cloud, [synth.data.stackName, synth.workflows.stackName]);
});

describe.each(ENDPOINTS)('the $name endpoint', (endpoint) => {
  it(`is the ${endpoint.step} function URL, with AWS_IAM auth`, () => {
    const urls = cloud.resources(synth.workflows.stackName, 'AWS::Lambda::Url');
    const target = logicalIdOf(synth.workflows, workflow().functions[endpoint.step]);
    const ofStep = urls.filter(([, url]) =>
      JSON.stringify(url.Properties?.TargetFunctionArn).includes(`"${target}"`),
    );
    expect(ofStep).toHaveLength(1);
    expect(ofStep[0]?.[1].Properties?.AuthType).toBe('AWS_IAM');
  });

  it(`may be called by the ${endpoint.roleOf} of its workflow only, of every role of the stacks`, async () => {
    const allowed = await rolesAllowed(cloud, everyRole, urlCall(endpoint));
    expect(allowed.map(label)).toEqual([label(roleOf(endpoint))]);
  });

  it('cannot be invoked directly by anyone: InvokeFunction only through the URL', async () => {
    const direct = { action: 'lambda:InvokeFunction', resource: functionArnOf(endpoint) };
    expect(await rolesAllowed(cloud, everyRole, direct)).toEqual([]);
    const viaUrl = { ...direct, context: { 'lambda:InvokedViaFunctionUrl': 'true' } };
    expect((await rolesAllowed(cloud, everyRole, viaUrl)).map(label)).toEqual([label(roleOf(endpoint))]);
  });

  it(`trusts the sessions of the workflow's ${endpoint.roleOf} only, whose trust policy pins the session name to the user name`, () => {
    const role = roleOf(endpoint);
    const resource = cloud.resource(role.stackName, role.logicalId);
    const trust = cloud.resolve(role.stackName, resource.Properties?.AssumeRolePolicyDocument ?? null) as {
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
      logicalIdOf(synth.workflows, workflow().functions[endpoint.step]),
    );
    const env = cloud.resolve(synth.workflows.stackName, fn.Properties?.Environment ?? null) as {
      Variables: Record<string, string>;
    };
    expect(JSON.parse(env.Variables[ENV.callerRoles] ?? '[]')).toEqual([
      cloud.arnOf(role.stackName, role.logicalId),
    ]);
    expect(env.Variables[ENV.callerKind]).toBe(endpoint.roleOf === 'approverRole' ? 'approver' : 'operator');
  });

  it(`gives the ${endpoint.roleOf} nothing but its endpoint and the stacks it reads the endpoint from`, async () => {
    const role = roleOf(endpoint);
    for (const step of ['admit', 'act', 'remind', 'request-approval', 'decide-approval', 'switch'] as const) {
      if (step === endpoint.step) continue;
      const arn = cloud.arnOf(
        synth.workflows.stackName,
        logicalIdOf(synth.workflows, workflow().functions[step]),
      );
      expect(await isAllowed(cloud, role, { action: 'lambda:InvokeFunction', resource: arn })).toBe(false);
      const url = {
        action: 'lambda:InvokeFunctionUrl',
        resource: arn,
        context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
      };
      expect(await isAllowed(cloud, role, url)).toBe(false);
    }
    expect(await isAllowed(cloud, role, { action: 'states:SendTaskSuccess', resource: '*' })).toBe(false);
    const runsTable = cloud.arnOf(synth.data.stackName, logicalIdOf(synth.data, synth.data.runsTable));
    expect(await isAllowed(cloud, role, { action: 'dynamodb:UpdateItem', resource: runsTable })).toBe(false);
    expect(await isAllowed(cloud, role, { action: 'dynamodb:PutItem', resource: runsTable })).toBe(false);
    expect(await isAllowed(cloud, role, { action: 'dynamodb:Query', resource: runsTable })).toBe(false);
  });

  it(`keeps each workflow's ${endpoint.roleOf} to its own endpoint`, async () => {
    const others = Object.keys(synth.workflows.workflows).filter((id) => id !== REFERENCE_WORKFLOW_ID);
    for (const id of others) {
      expect(await isAllowed(cloud, roleOf(endpoint, REFERENCE_WORKFLOW_ID), urlCall(endpoint, id))).toBe(
        false,
      );
    }
  });
});

it('prints who may decide and operate each workflow and who may write each lineage record type', async () => {
  const lines: string[] = [];
  for (const endpoint of ENDPOINTS) {
    lines.push(`who may call each ${endpoint.name} endpoint (lambda:InvokeFunctionUrl, AWS_IAM):`);
    for (const id of Object.keys(synth.workflows.workflows).sort()) {
      const allowed = await rolesAllowed(cloud, everyRole, urlCall(endpoint, id));
      lines.push(`  ${id}: ${allowed.map(label).join(', ') || 'nobody'}`);
      expect(allowed.map(label)).toEqual([label(roleOf(endpoint, id))]);
    }
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
