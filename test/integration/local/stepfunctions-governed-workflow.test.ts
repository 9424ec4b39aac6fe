/**
 * The project's own ASL (`statemachines/governed-workflow.asl.json`) on the
 * local Step Functions, with in-memory step functions that follow the run
 * contracts: the loop, the approval callback inside its Map, and the
 * escalation paths behave as the definition says.
 */
import type {
  ActResult,
  ApprovalOutcome,
  EscalateInput,
  GatedProposal,
  GateResult,
  PlanResult,
  RunRef,
  TerminalResult,
} from '../../../core/steps/contracts.js';
import { LocalStepFunctions } from '../../../local/stepfunctions/index.js';
import {
  aslFixture,
  type FakeCall,
  FakeLambdas,
  functionArn,
  functionError,
  stateMachineArn,
} from '../../fixtures/local/sfn-fake-lambdas.js';

const GOVERNED = stateMachineArn('governed-workflow');

const definition = aslFixture('../../../statemachines/governed-workflow.asl.json', {
  Partition: 'aws',
  AdmitFunctionArn: functionArn('admit'),
  GroundFunctionArn: functionArn('ground'),
  PlanFunctionArn: functionArn('plan'),
  GateFunctionArn: functionArn('gate'),
  RequestApprovalFunctionArn: functionArn('request-approval'),
  ActFunctionArn: functionArn('act'),
  CompleteFunctionArn: functionArn('complete'),
  EscalateFunctionArn: functionArn('escalate'),
  ExecutionTimeoutSeconds: 3600,
  ApprovalTimeoutSeconds: 600,
});

const run: RunRef = {
  runId: 'run-1',
  workflowId: 'refund-triage',
  workflowVersion: '1.0.0',
  entityId: 'order-1',
  eventId: 'event-1',
  startedAt: '2026-01-01T00:00:00.000Z',
  maxIterations: 3,
};

const refund: GatedProposal = {
  proposal: {
    proposalId: 'p-1',
    action: 'issueRefund',
    input: { orderId: 'order-1', amount: 500 },
    rationale: 'the customer was charged twice',
    confidence: 0.9,
  },
  decision: 'REQUIRE_APPROVAL',
  reasons: ['large-refund-needs-approval'],
};

const gateNeedingApproval: GateResult = {
  executable: [refund],
  pendingApproval: [refund],
  denied: [],
  shadowed: [],
  counts: { executable: 1, pendingApproval: 1, denied: 0, shadowed: 0 },
  policySetHash: 'policy-hash',
};

function stepFunctions(): FakeLambdas {
  return new FakeLambdas()
    .define('admit', () => ({ outcome: 'ADMITTED', run, iteration: 0 }))
    .define('ground', () => ({ facts: { refundsThisMonth: 0 } }))
    .define('plan', (payload): PlanResult => {
      const iteration = JSON.stringify(payload).includes('"iteration":0') ? 0 : 1;
      return iteration === 0
        ? { outcome: 'PROPOSED', proposals: [refund.proposal] }
        : { outcome: 'FINISHED', summary: 'refund issued' };
    })
    .define('gate', () => gateNeedingApproval)
    .define('request-approval', () => ({ approvalId: 'a-1' }))
    .define(
      'act',
      (): ActResult => ({
        observations: [
          {
            proposalId: refund.proposal.proposalId,
            action: 'issueRefund',
            status: 'EXECUTED',
            result: { refundId: 'r-1' },
          },
        ],
        finished: false,
      }),
    )
    .define('complete', (): TerminalResult => ({ runId: run.runId, status: 'COMPLETED' }))
    .define(
      'escalate',
      (payload): TerminalResult => ({
        runId: run.runId,
        status: JSON.stringify(payload).includes('"reason":"STEP_FAILED"') ? 'FAILED' : 'REJECTED',
      }),
    );
}

function tokenOf(call: FakeCall): string {
  return JSON.stringify(call.payload).match(/"taskToken":"([^"]+)"/)?.[1] ?? '';
}

describe('local Step Functions: the governed workflow ASL', () => {
  let lambdas: FakeLambdas;
  let sfn: LocalStepFunctions;

  beforeEach(() => {
    lambdas = stepFunctions();
    sfn = new LocalStepFunctions({
      stateMachines: [{ arn: GOVERNED, definition }],
      lambda: lambdas,
      retryIntervalScale: 0,
    });
  });

  afterEach(() => sfn.stop());

  async function start(): Promise<string> {
    const event = {
      id: 'event-1',
      source: 'shop.orders',
      'detail-type': 'RefundRequested',
      time: 'now',
      detail: {},
    };
    return (await sfn.startExecution(GOVERNED, JSON.stringify(event), 'event-1')).executionArn;
  }

  const statesEntered = (executionArn: string) =>
    sfn
      .getExecutionHistory(executionArn)
      .flatMap((e) => (e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : []));

  it('plans, waits for the approval, acts, loops and completes', async () => {
    const executionArn = await start();
    const approvalRequest = await lambdas.nextCall('request-approval');
    const approved: ApprovalOutcome = {
      approvalId: 'a-1',
      proposalId: 'p-1',
      decision: 'APPROVED',
      approver: 'alice',
      bindingHash: 'binding',
    };
    sfn.sendTaskSuccess(tokenOf(approvalRequest), JSON.stringify(approved));

    const { status, output } = await sfn.execution(executionArn).settled;

    expect(status).toBe('SUCCEEDED');
    expect(JSON.parse(output ?? '{}').result).toEqual({ runId: 'run-1', status: 'COMPLETED' });
    expect(approvalRequest.payload).toEqual({ taskToken: tokenOf(approvalRequest), run, gated: refund });
    expect(lambdas.calls.find((c) => c.functionName === 'admit')?.payload).toEqual({
      event: JSON.parse(sfn.execution(executionArn).input),
      executionId: executionArn,
    });
    expect(lambdas.callCount('plan')).toBe(2);
    expect(statesEntered(executionArn)).toEqual([
      'Admit event',
      'Admitted?',
      'Ground context',
      'Plan actions',
      'Plan outcome',
      'Gate proposals',
      'Gate outcome',
      'Request approvals',
      'Request approval',
      'Act on actions',
      'Finished?',
      'Next iteration',
      'Iterations left?',
      'Ground context',
      'Plan actions',
      'Plan outcome',
      'Complete run',
      'Run completed',
    ]);
  });

  it('completes without asking the model again when it finished with its actions and Act says the finish stands', async () => {
    lambdas
      .define(
        'plan',
        (): PlanResult => ({
          outcome: 'PROPOSED',
          proposals: [refund.proposal],
          finish: { summary: 'refund issued' },
        }),
      )
      .define('act', (): ActResult => ({ observations: [], finished: true }));
    const executionArn = await start();
    const approvalRequest = await lambdas.nextCall('request-approval');
    const approved: ApprovalOutcome = {
      approvalId: 'a-1',
      proposalId: 'p-1',
      decision: 'APPROVED',
      approver: 'alice',
      bindingHash: 'binding',
    };
    sfn.sendTaskSuccess(tokenOf(approvalRequest), JSON.stringify(approved));

    const { status } = await sfn.execution(executionArn).settled;

    expect(status).toBe('SUCCEEDED');
    expect(lambdas.callCount('plan')).toBe(1);
    // Act gets the executable proposals' ids as a list, even for one.
    expect(lambdas.calls.find((c) => c.functionName === 'act')?.payload).toEqual({
      run,
      iteration: 0,
      proposalIds: ['p-1'],
    });
    expect(statesEntered(executionArn)).toEqual([
      'Admit event',
      'Admitted?',
      'Ground context',
      'Plan actions',
      'Plan outcome',
      'Gate proposals',
      'Gate outcome',
      'Request approvals',
      'Request approval',
      'Act on actions',
      'Finished?',
      'Complete run',
      'Run completed',
    ]);
  });

  it('escalates as rejected when the approver rejects with AWF.ApprovalRejected', async () => {
    const executionArn = await start();
    const approvalRequest = await lambdas.nextCall('request-approval');
    sfn.sendTaskFailure(tokenOf(approvalRequest), 'AWF.ApprovalRejected', 'alice rejected the refund');

    const { status } = await sfn.execution(executionArn).settled;

    expect(status).toBe('SUCCEEDED');
    const escalation: Partial<EscalateInput> = {
      run,
      escalation: {
        reason: 'APPROVAL_REJECTED',
        detail: { Error: 'AWF.ApprovalRejected', Cause: 'alice rejected the refund' },
      },
    };
    expect(lambdas.calls.find((c) => c.functionName === 'escalate')?.payload).toEqual(escalation);
    expect(lambdas.callCount('act')).toBe(0);
  });

  it('retries a throttled step and goes on', async () => {
    lambdas.define('ground', (_payload, call) => {
      if (call === 1) throw functionError('ThrottlingException', 'slow down');
      return { facts: {} };
    });
    lambdas.define('plan', (): PlanResult => ({ outcome: 'FINISHED', summary: 'nothing to do' }));

    const { status } = await sfn.execution(await start()).settled;

    expect(status).toBe('SUCCEEDED');
    expect(lambdas.callCount('ground')).toBe(2);
  });

  it('records a step that keeps failing as FAILED after escalating the run', async () => {
    lambdas.define('ground', () => {
      throw functionError('TypeError', 'cannot read properties of undefined');
    });

    const executionArn = await start();
    const { status, error } = await sfn.execution(executionArn).settled;

    expect(status).toBe('FAILED');
    expect(error).toBe('AWF.RunFailed');
    expect(lambdas.calls.find((c) => c.functionName === 'escalate')?.payload).toMatchObject({
      escalation: { reason: 'STEP_FAILED', detail: { Error: 'TypeError' } },
    });
    expect(statesEntered(executionArn).slice(-4)).toEqual([
      'Step failed',
      'Escalate run',
      'Run failed?',
      'Run failed',
    ]);
  });
});
