/**
 * The follow-ups' infrastructure, proven on the synthesized stacks by
 * evaluating the policies: a schedule group per workflow; a scheduler role
 * that only EventBridge Scheduler may assume and that may invoke the
 * follow-up function and nothing else of Lambda; Act alone may create the
 * group's schedules and pass that role (to the scheduler only);
 * decide-approval alone may delete them; and nobody reaches another
 * workflow's group.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import type { FakeCloud } from './support/fake-cloud.js';
import { allRoles, isAllowed, type RoleRef, rolesAllowed, statementsOf } from './support/iam.js';
import { fakeCloudOf, loadTestPacks, type SynthesizedAwf, synthAwf, TEST_ENV } from './support/synth.js';

const { account, region } = TEST_ENV;
let synth: SynthesizedAwf;
let cloud: FakeCloud;
let everyRole: RoleRef[];

function workflow(id = REFERENCE_WORKFLOW_ID) {
  const found = synth.workflows.workflows[id];
  if (!found) throw new Error(`no workflow ${id}`);
  return found;
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

const roleOf = (construct: { node: { defaultChild?: unknown } }): RoleRef => ({
  stackName: synth.workflows.stackName,
  logicalId: logicalIdOf(synth.workflows, construct),
});
const label = (role: RoleRef) => `${role.stackName}/${role.logicalId}`;
const labels = (roles: readonly RoleRef[]) => roles.map(label).sort();
const scheduleArn = (id = REFERENCE_WORKFLOW_ID, name = 'fu-0123456789abcdef01234567') =>
  `arn:aws:scheduler:${region}:${account}:schedule/${workflow(id).followUps.groupName}/${name}`;
const functionArnOf = (step: 'follow-up' | 'act', id = REFERENCE_WORKFLOW_ID) =>
  cloud.arnOf(synth.workflows.stackName, logicalIdOf(synth.workflows, workflow(id).functions[step]));

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'awf-follow-ups-'));
  writeFileSync(join(root, 'package-lock.json'), '{}\n');
  synth = synthAwf({ packs: await loadTestPacks(), depsLockFilePath: join(root, 'package-lock.json') });
  cloud = fakeCloudOf(synth);
  everyRole = allRoles(cloud, [synth.data.stackName, synth.workflows.stackName]);
});

describe('the follow-ups of a workflow', () => {
  it('have a schedule group of their own per workflow', () => {
    const groups = cloud
      .resources(synth.workflows.stackName, 'AWS::Scheduler::ScheduleGroup')
      .map(([, group]) => group.Properties?.Name);
    const ids = Object.keys(synth.workflows.workflows);
    expect(groups.sort()).toEqual(ids.map((id) => workflow(id).followUps.groupName).sort());
    expect(new Set(groups).size).toBe(ids.length);
  });

  it('are fired by a role only EventBridge Scheduler may assume, for schedules of the group', () => {
    const [, role] =
      cloud
        .resources(synth.workflows.stackName, 'AWS::IAM::Role')
        .find(([id]) => id === roleOf(workflow().followUps.schedulerRole).logicalId) ?? [];
    const trust = JSON.stringify(role?.Properties?.AssumeRolePolicyDocument);
    expect(trust).toContain('scheduler.amazonaws.com');
    expect(trust).toContain('aws:SourceAccount');
    expect(trust).toContain(workflow().followUps.groupName);
  });

  it('lets the scheduler role invoke the follow-up function and no other function', async () => {
    const schedulerRole = roleOf(workflow().followUps.schedulerRole);
    const invoke = (resource: string) =>
      isAllowed(cloud, schedulerRole, { action: 'lambda:InvokeFunction', resource });
    expect(await invoke(functionArnOf('follow-up'))).toBe(true);
    expect(await invoke(functionArnOf('act'))).toBe(false);
    const otherWorkflow = Object.keys(synth.workflows.workflows).find((id) => id !== REFERENCE_WORKFLOW_ID);
    if (otherWorkflow) expect(await invoke(functionArnOf('follow-up', otherWorkflow))).toBe(false);
    const lambdaActions = statementsOf(cloud, schedulerRole)
      .flatMap((statement) => [statement.Action ?? []].flat())
      .filter((action) => action.startsWith('lambda:'));
    expect(lambdaActions).toEqual(['lambda:InvokeFunction']);
  });

  it("lets the workflow's Act alone create schedules, in its own group only", async () => {
    const allowed = await rolesAllowed(cloud, everyRole, {
      action: 'scheduler:CreateSchedule',
      resource: scheduleArn(),
    });
    expect(labels(allowed)).toEqual([label(roleOf(workflow().roles.act))]);
    const otherWorkflow = Object.keys(synth.workflows.workflows).find((id) => id !== REFERENCE_WORKFLOW_ID);
    if (otherWorkflow) {
      expect(
        await isAllowed(cloud, roleOf(workflow().roles.act), {
          action: 'scheduler:CreateSchedule',
          resource: scheduleArn(otherWorkflow),
        }),
      ).toBe(false);
    }
  });

  it('lets Act pass the scheduler role, to EventBridge Scheduler only, and no other role', async () => {
    const schedulerRoleArn = cloud.arnOf(
      synth.workflows.stackName,
      roleOf(workflow().followUps.schedulerRole).logicalId,
    );
    const passTo = (service: string) =>
      rolesAllowed(cloud, everyRole, {
        action: 'iam:PassRole',
        resource: schedulerRoleArn,
        context: { 'iam:PassedToService': [service] },
      });
    expect(labels(await passTo('scheduler.amazonaws.com'))).toEqual([label(roleOf(workflow().roles.act))]);
    expect(await passTo('lambda.amazonaws.com')).toEqual([]);
    // Act passes no other role.
    const passed = statementsOf(cloud, roleOf(workflow().roles.act))
      .filter((statement) => [statement.Action ?? []].flat().includes('iam:PassRole'))
      .flatMap((statement) => [statement.Resource ?? []].flat());
    expect(passed).toHaveLength(1);
  });

  it("lets the workflow's decide-approval alone delete schedules (an approved cancellation), in its own group only", async () => {
    const allowed = await rolesAllowed(cloud, everyRole, {
      action: 'scheduler:DeleteSchedule',
      resource: scheduleArn(),
    });
    expect(labels(allowed)).toEqual([label(roleOf(workflow().roles['decide-approval']))]);
  });

  it('lets nobody change or read a schedule, or delete its group, beyond that', async () => {
    const groupArn = `arn:aws:scheduler:${region}:${account}:schedule-group/${workflow().followUps.groupName}`;
    const requests = [
      { action: 'scheduler:UpdateSchedule', resource: scheduleArn() },
      { action: 'scheduler:GetSchedule', resource: scheduleArn() },
      { action: 'scheduler:DeleteScheduleGroup', resource: groupArn },
    ];
    for (const request of requests) {
      expect({ ...request, allowed: await rolesAllowed(cloud, everyRole, request) }).toEqual({
        ...request,
        allowed: [],
      });
    }
  });

  it('hands Act and decide-approval the group, the target, the role, the queue and the key', () => {
    const functions = cloud.resources(synth.workflows.stackName, 'AWS::Lambda::Function');
    const environmentOf = (step: 'act' | 'decide-approval' | 'follow-up') =>
      JSON.stringify(
        functions.find(([id]) => id === logicalIdOf(synth.workflows, workflow().functions[step]))?.[1]
          .Properties?.Environment,
      );
    for (const step of ['act', 'decide-approval'] as const) {
      const environment = environmentOf(step);
      expect(environment).toContain('AWF_FOLLOW_UP_SCHEDULER');
      expect(environment).toContain(workflow().followUps.groupName);
    }
    expect(environmentOf('follow-up')).not.toContain('AWF_FOLLOW_UP_SCHEDULER');
  });
});
