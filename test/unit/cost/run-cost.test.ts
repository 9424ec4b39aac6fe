import { MODEL_PRICES, ORCHESTRATION_PRICES } from '../../../core/cost/prices.js';
import {
  costOfRuns,
  LIST_PRICES,
  perThousandRuns,
  RunCostError,
  type RunUsage,
  runCost,
} from '../../../core/cost/run-cost.js';

const HAIKU_45 = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

/** 16 transitions, 8 invocations of 0.4 GB-s together, 30 WRU, 20 RRU, 2 events, one Haiku 4.5 call. */
const run: RunUsage = {
  transitions: 16,
  lambda: { invocations: 8, gbSeconds: 0.4 },
  dynamodb: { wru: 30, rru: 20 },
  events: 2,
  tokens: { [HAIKU_45]: { input: 2000, output: 150, cacheRead: 0, cacheWrite: 0 } },
};

describe('runCost', () => {
  it('prices each service at its list price', () => {
    const cost = runCost(run);
    // 16 x $0.025 / 1,000
    expect(cost.orchestrationUsd.stepFunctions).toBeCloseTo(0.0004, 12);
    // 8 x $0.20 / million + 0.4 x $0.0000133334
    expect(cost.orchestrationUsd.lambda).toBeCloseTo(0.0000016 + 0.00000533336, 12);
    // 30 x $0.625 / million + 20 x $0.125 / million
    expect(cost.orchestrationUsd.dynamodb).toBeCloseTo(0.00001875 + 0.0000025, 12);
    // 2 x $1 / million
    expect(cost.orchestrationUsd.eventBridge).toBeCloseTo(0.000002, 12);
    expect(cost.orchestrationUsd.total).toBeCloseTo(0.00043018336, 12);
    // 2,000 x $1 + 150 x $5, per million
    expect(cost.tokensUsd).toBeCloseTo(0.00275, 12);
    expect(cost.totalUsd).toBeCloseTo(0.00318018336, 12);
  });

  it('prices cache reads and writes at the model cache prices, across models', () => {
    const cost = runCost({
      ...run,
      tokens: {
        // 100 x $1 + 50 x $5 + 4,000 x $0.10 + 0 written: 0.0001 + 0.00025 + 0.0004
        [HAIKU_45]: { input: 100, output: 50, cacheRead: 4000, cacheWrite: 0 },
        // Claude 3.5 Haiku: 0 in, 0 out, 2,000 written x $1.00 (1.25 x $0.80): 0.002
        'anthropic.claude-3-5-haiku-20241022-v1:0': { input: 0, output: 0, cacheRead: 0, cacheWrite: 2000 },
      },
    });
    expect(cost.tokensUsd).toBeCloseTo(0.00075 + 0.002, 12);
  });

  it('gives 1,000 runs as a thousand times every figure', () => {
    const thousand = perThousandRuns(runCost(run));
    expect(thousand.orchestrationUsd.stepFunctions).toBeCloseTo(0.4, 9);
    expect(thousand.orchestrationUsd.total).toBeCloseTo(0.43018336, 9);
    expect(thousand.tokensUsd).toBeCloseTo(2.75, 9);
    expect(thousand.totalUsd).toBeCloseTo(3.18018336, 9);
  });

  it('costs a run without model calls at its orchestration alone', () => {
    const cost = runCost({ ...run, tokens: {} });
    expect(cost.tokensUsd).toBe(0);
    expect(cost.totalUsd).toBe(cost.orchestrationUsd.total);
  });

  it.each([
    [
      'transitions',
      { ...run, transitions: -1 },
      /^transitions: expected a finite count of 0 or more, got -1$/,
    ],
    [
      'lambda.gbSeconds',
      { ...run, lambda: { invocations: 1, gbSeconds: Number.NaN } },
      /lambda\.gbSeconds: .*got NaN/,
    ],
    [
      'dynamodb.rru',
      { ...run, dynamodb: { wru: 1, rru: Number.POSITIVE_INFINITY } },
      /dynamodb\.rru: .*got Infinity/,
    ],
    [
      'a token count',
      { ...run, tokens: { [HAIKU_45]: { input: 1, output: 1, cacheRead: -5, cacheWrite: 0 } } },
      /tokens\["us\.anthropic\.claude-haiku-4-5-20251001-v1:0"\]\.cacheRead: .*got -5/,
    ],
  ])('refuses a bad %s, naming it', (_what, usage, message) => {
    expect(() => runCost(usage as RunUsage)).toThrow(RunCostError);
    expect(() => runCost(usage as RunUsage)).toThrow(message);
  });

  it('refuses tokens of a model without a price rather than leaving them out', () => {
    const usage = {
      ...run,
      tokens: { 'acme.private-v1': { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 } },
    };
    expect(() => runCost(usage)).toThrow(/tokens\["acme\.private-v1"\]: no price for this model/);
  });

  it('refuses a number of runs that is not a count', () => {
    expect(() => costOfRuns(runCost(run), -2)).toThrow(
      /^runs: expected a finite count of 0 or more, got -2$/,
    );
  });

  it('costs with the prices it is given', () => {
    const free = {
      ...LIST_PRICES,
      orchestration: {
        ...LIST_PRICES.orchestration,
        stepFunctions: { ...LIST_PRICES.orchestration.stepFunctions, usdPerStateTransition: 0 },
      },
    };
    expect(runCost(run, free).orchestrationUsd.stepFunctions).toBe(0);
  });
});

describe('the price file', () => {
  it('gives every orchestration price a source and the day it was read', () => {
    for (const price of Object.values(ORCHESTRATION_PRICES)) {
      expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
      expect(price.checkedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('has cache prices for Claude Haiku 4.5 at 1.25 times (write) and a tenth (read) of its input price', () => {
    const haiku = MODEL_PRICES['anthropic.claude-haiku-4-5-20251001-v1:0'];
    expect(haiku).toMatchObject({ inputPerMillion: 1, outputPerMillion: 5 });
    expect(haiku?.cacheWritePerMillion).toBeCloseTo(1.25, 12);
    expect(haiku?.cacheReadPerMillion).toBeCloseTo(0.1, 12);
  });
});
