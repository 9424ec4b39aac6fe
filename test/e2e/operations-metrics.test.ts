/**
 * Every step metric an alarm or a dashboard widget reads is emitted: the
 * example events run end to end in the local cloud (an approval approved and
 * one rejected through the CLI, one execution stopped, the reminder and the
 * sweep schedules fired), then the synthesized template's alarms and
 * dashboards are read for the `awf` metrics they use, and each must appear in
 * the EMF lines the step functions wrote.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { runIdFor } from '../../core/ids.js';
import { loadExampleEvents, WORKFLOWS_DIR } from '../../workflows/discover.js';
import { type E2eCloud, startE2eCloud, withIds } from '../support/local-cloud.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';

const WORKFLOW = REFERENCE_WORKFLOW_ID;
const EXAMPLES = loadExampleEvents(`${WORKFLOWS_DIR}/${WORKFLOW}`);
const APPROVER = 'bob@acme.example';

let e2e: E2eCloud;

beforeAll(async () => {
  e2e = await startE2eCloud();
}, 240_000);

afterAll(async () => {
  await e2e?.stop();
});

/** `service/metric` of every `awf` metric a metric array of a dashboard or an alarm's MetricStat names. */
function awfMetricsOf(value: unknown, found: Set<string>): void {
  if (Array.isArray(value)) {
    // Dashboard form: [namespace, name, dimName, dimValue, ..., options?]
    if (value[0] === 'awf' && typeof value[1] === 'string') {
      const service = value[value.indexOf('service') + 1];
      found.add(`${String(service)}/${value[1]}`);
      return;
    }
    for (const item of value) awfMetricsOf(item, found);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  if (record.Namespace === 'awf' && typeof record.MetricName === 'string') {
    const dimensions = (record.Dimensions ?? []) as { Name: string; Value: string }[];
    const service = dimensions.find((d) => d.Name === 'service')?.Value;
    found.add(`${String(service)}/${record.MetricName}`);
    return;
  }
  for (const item of Object.values(record)) awfMetricsOf(item, found);
}

/** `service/metric` of every metric the EMF lines of the functions' log carry. */
function emittedMetrics(): Set<string> {
  const emitted = new Set<string>();
  for (const line of readFileSync(join(e2e.stateDir, 'lambda.log'), 'utf8').split('\n')) {
    const json = line.indexOf('{"_aws"');
    if (json < 0) continue;
    const document = JSON.parse(line.slice(json)) as {
      service?: string;
      _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
    };
    for (const directive of document._aws.CloudWatchMetrics) {
      for (const metric of directive.Metrics) emitted.add(`${document.service}/${metric.Name}`);
    }
  }
  return emitted;
}

async function approvalCase(suffix: string) {
  const example = EXAMPLES.find((e) => e.name === 'approval-large-refund');
  if (!example) throw new Error('no approval-large-refund example');
  const eventId = await e2e.putCase(
    withIds(example, { orderId: `ord_opsmetric${suffix}`, customerId: `cus_opsmetric${suffix}` }),
  );
  const runId = runIdFor(WORKFLOW, eventId);
  await e2e.waitForRunStatus(runId, 'AWAITING_APPROVAL');
  const [approval] = await e2e.runs.listApprovalsOfRun(runId);
  if (!approval) throw new Error('no approval');
  return { eventId, runId, approvalId: approval.approvalId };
}

it('emits, in the example runs, every awf metric the alarms and dashboards of the template read', async () => {
  const { template } = e2e.cloud;
  for (const [index, example] of EXAMPLES.entries()) {
    if (example.expect.outcome === 'REQUIRE_APPROVAL') continue;
    const eventId = await e2e.putCase(
      withIds(example, { orderId: `ord_opsexample${index}`, customerId: `cus_opsexample${index}` }),
    );
    await e2e.settledOf(eventId);
  }
  const approved = await approvalCase('a');
  await e2e.cli([
    'approvals',
    'approve',
    approved.approvalId,
    '--as',
    APPROVER,
    '--reason',
    'Carrier confirmed.',
  ]);
  await e2e.settledOf(approved.eventId);
  const rejected = await approvalCase('r');
  await e2e.cli(['approvals', 'reject', rejected.approvalId, '--as', APPROVER, '--reason', 'Delivered.']);
  await e2e.settledOf(rejected.eventId);
  const waiting = await approvalCase('w');
  const bus = e2e.cloud.eventBridge.eventBridge;
  for (const schedule of ['ReminderSchedule', 'SweepSchedule']) {
    const rule = bus.rules().find((r) => r.name.includes(schedule) && r.name.includes('RefundTriage'));
    if (!rule) throw new Error(`no ${schedule}`);
    bus.fireScheduledRule(rule.name);
  }
  await bus.whenIdle();
  const execution = await e2e.executionOf(waiting.eventId);
  await e2e.sfn.send(new StopExecutionCommand({ executionArn: execution.executionArn }));
  await e2e.waitForRunStatus(waiting.runId, 'ABORTED');
  await bus.whenIdle();

  const read = new Set<string>();
  for (const type of ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard']) {
    for (const resource of template.resourcesOfType(type)) {
      const properties = template.resolvedProperties(resource);
      if (typeof properties.DashboardBody === 'string')
        awfMetricsOf(JSON.parse(properties.DashboardBody), read);
      else awfMetricsOf(properties, read);
    }
  }
  const ofWorkflow = [...read].filter((metric) => metric.startsWith(`awf-${WORKFLOW}-`)).sort();
  expect(ofWorkflow.length).toBeGreaterThan(15);
  // The log is written in batches: wait for the last ones.
  let emitted = emittedMetrics();
  for (let tries = 0; tries < 40 && ofWorkflow.some((m) => !emitted.has(m)); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    emitted = emittedMetrics();
  }
  expect(ofWorkflow.filter((metric) => !emitted.has(metric))).toEqual([]);

  // People were told, through the workflow's topic: of the approval requests and of the escalations.
  const told = e2e.cloud.notifications
    .published()
    .map((n) => JSON.parse(n.message) as { 'detail-type': string; detail: { runId?: string } });
  expect(told.filter((e) => e['detail-type'] === 'ApprovalRequested').map((e) => e.detail.runId)).toEqual(
    expect.arrayContaining([approved.runId, rejected.runId, waiting.runId]),
  );
  expect(told.filter((e) => e['detail-type'] === 'WorkflowEscalated').map((e) => e.detail.runId)).toEqual(
    expect.arrayContaining([rejected.runId, waiting.runId]),
  );
  const sink = JSON.parse(await e2e.cli(['events', 'sink', '--notifications', '--json'])) as unknown[];
  expect(sink).toHaveLength(e2e.cloud.notifications.published().length);
}, 240_000);

it('says the local cloud is healthy with awf doctor: every line ok or warn, exit 0', async () => {
  const result = await e2e.spawnCli(['doctor', '--json']);
  const report = JSON.parse(result.stdout) as {
    lines: { status: string; check: string }[];
    exitCode: number;
  };
  expect(report.lines.filter((line) => line.status === 'blocker')).toEqual([]);
  expect(report.exitCode).toBe(0);
  expect(result.code).toBe(0);
}, 120_000);
