/**
 * A run's lineage as OpenLineage RunEvents: a START, then COMPLETE, FAIL or
 * ABORT once the run ended, so a data catalogue (Marquez, DataHub, ...) shows
 * awf's runs beside the rest of the estate.
 *
 * Everything awf adds travels in custom run facets, each with `_producer` and
 * `_schemaURL` as the spec asks (docs/AUDIT.md describes their fields):
 * `awf_run` (the run, its trigger and its lineage head), `awf_release` (the
 * workflow version), `awf_agent` (models, prompt hashes, tokens, cost),
 * `awf_policy` (each decision: policy ids, policy-set hash, outcome) and
 * `awf_approvals` (principal, decision, time). The actions' connector
 * targets are the output datasets.
 *
 * Records are read defensively: an export is a report, and a malformed field
 * is left out of it rather than stopping it (`awf audit verify` is where
 * damage is named).
 */
import { createHash } from 'node:crypto';
import type { LineageRecord } from './record.js';

/** The OpenLineage core spec version the events follow. */
export const OPENLINEAGE_SPEC_VERSION = '2-1-0';

/** `schemaURL` of every RunEvent. */
export const OPENLINEAGE_RUN_EVENT_SCHEMA_URL = `https://openlineage.io/spec/${OPENLINEAGE_SPEC_VERSION}/OpenLineage.json#/$defs/RunEvent`;

/** The URI the custom facets' schemas are named under: `<this>:<FacetName>:<version>`. */
export const AWF_FACET_SCHEMA_PREFIX = 'urn:awf:openlineage:facet';

/** The facets awf adds to a run. */
export const AWF_RUN_FACETS = ['awf_run', 'awf_release', 'awf_agent', 'awf_policy', 'awf_approvals'] as const;

/** OpenLineage run states awf emits. */
export type OpenLineageEventType = 'START' | 'COMPLETE' | 'FAIL' | 'ABORT';

/** A facet: its fields, and the two every facet carries. */
export type OpenLineageFacet = { readonly _producer: string; readonly _schemaURL: string } & Readonly<
  Record<string, unknown>
>;

/** A dataset a run wrote (the actions' connector targets). */
export interface OpenLineageDataset {
  readonly namespace: string;
  readonly name: string;
}

/** One OpenLineage RunEvent. */
export interface OpenLineageRunEvent {
  readonly eventType: OpenLineageEventType;
  readonly eventTime: string;
  readonly producer: string;
  readonly schemaURL: string;
  readonly run: { readonly runId: string; readonly facets: Readonly<Record<string, OpenLineageFacet>> };
  readonly job: { readonly namespace: string; readonly name: string };
  readonly inputs: readonly OpenLineageDataset[];
  readonly outputs: readonly OpenLineageDataset[];
}

/** Who produces the events and under which namespace the workflows are jobs. */
export interface OpenLineageOptions {
  /** A URI naming the producer, such as `urn:awf:0.1.0`. */
  readonly producer: string;
  /**
   * The jobs' namespace.
   * @default 'awf'
   */
  readonly namespace?: string;
}

/**
 * The OpenLineage run id of an awf run: a UUID (version 8, RFC 9562) made of
 * the SHA-256 of the run id, so every export names a run the same way; the
 * awf run id itself is in the `awf_run` facet.
 */
export function openLineageRunId(runId: string): string {
  const bytes = createHash('sha256').update(runId, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const object = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
const distinct = (values: readonly (string | undefined)[]): string[] =>
  [...new Set(values.filter((v): v is string => v !== undefined))].sort();

/** The terminal state a record ends a chain with, or undefined for a record that does not end it. */
function endOf(record: LineageRecord): OpenLineageEventType | undefined {
  // As a string: the registry may know types this export predates, which end no run here.
  switch (record.type as string) {
    case 'run.completed':
      return 'COMPLETE';
    case 'run.escalated':
      return text(object(record.data).status) === 'FAILED' ? 'FAIL' : 'ABORT';
    case 'run.closed':
      return text(object(record.data).executionStatus) === 'ABORTED' ? 'ABORT' : 'FAIL';
    case 'event.rejected':
      return 'FAIL';
    case 'event.duplicate':
      return 'ABORT';
    default:
      return undefined;
  }
}

function facet(producer: string, name: string, fields: Record<string, unknown>): OpenLineageFacet {
  return { _producer: producer, _schemaURL: `${AWF_FACET_SCHEMA_PREFIX}:${name}:1-0-0`, ...fields };
}

function ofType(chain: readonly LineageRecord[], type: string): LineageRecord[] {
  return chain.filter((record) => record.type === type);
}

function agentFacet(chain: readonly LineageRecord[]): Record<string, unknown> {
  const calls = ofType(chain, 'model.invoked');
  return {
    modelIds: distinct(calls.map((r) => r.versions?.modelId)),
    promptHashes: distinct(calls.map((r) => r.versions?.promptHash)),
    modelCalls: calls.length,
    inputTokens: calls.reduce((sum, r) => sum + num(r.usage?.inputTokens), 0),
    outputTokens: calls.reduce((sum, r) => sum + num(r.usage?.outputTokens), 0),
    costUsd: Math.round(calls.reduce((sum, r) => sum + num(r.usage?.costUsd), 0) * 1e6) / 1e6,
  };
}

function policyFacet(chain: readonly LineageRecord[]): Record<string, unknown> {
  const evaluated = ofType(chain, 'policy.evaluated');
  return {
    policySetHashes: distinct(evaluated.map((r) => r.versions?.policySetHash)),
    decisions: evaluated.map((r) => {
      const data = object(r.data);
      return {
        proposalId: text(data.proposalId),
        action: text(data.action),
        policyIds: Array.isArray(data.reasons) ? data.reasons.filter((x) => typeof x === 'string') : [],
        policyDecision: text(data.policyDecision),
        outcome: text(data.decision),
        autonomy: text(data.autonomy),
        policySetHash: r.versions?.policySetHash,
        at: r.at,
      };
    }),
  };
}

function approvalsFacet(chain: readonly LineageRecord[]): Record<string, unknown> {
  return {
    approvals: ofType(chain, 'approval.decided').map((r) => {
      const data = object(r.data);
      return {
        approvalId: text(data.approvalId),
        action: text(data.action),
        principal: r.actor.startsWith('human:') ? r.actor.slice('human:'.length) : r.actor,
        identity: text(data.identity),
        decision: text(data.decision),
        decidedAt: r.at,
      };
    }),
  };
}

/** The connectors' targets the run's executed actions wrote to. */
function outputsOf(chain: readonly LineageRecord[]): OpenLineageDataset[] {
  const seen = new Map<string, OpenLineageDataset>();
  for (const record of ofType(chain, 'action.executed')) {
    const connector = object(object(record.data).connector);
    const dataset =
      connector.type === 'dynamodb' && text(connector.tableName) !== undefined
        ? { namespace: 'awf:dynamodb', name: connector.tableName as string }
        : connector.type === 'eventbridge' && text(connector.detailType) !== undefined
          ? { namespace: 'awf:eventbridge', name: connector.detailType as string }
          : undefined;
    if (dataset !== undefined) seen.set(`${dataset.namespace}/${dataset.name}`, dataset);
  }
  return [...seen.values()];
}

/**
 * A run's RunEvents: START at its first record; COMPLETE (`run.completed`),
 * FAIL (`run.escalated` FAILED, `run.closed` after a failure or timeout,
 * `event.rejected`) or ABORT (escalated or rejected by policy, an execution
 * stopped, `event.duplicate`) at its terminal record; START alone
 * while it runs. The chain is given in seq order; an empty chain has none.
 *
 * @example
 * const lines = runEventsOf(await store.chain(runId), { producer: 'urn:awf:0.1.0' }).map((e) => JSON.stringify(e));
 */
export function runEventsOf(
  chain: readonly LineageRecord[],
  options: OpenLineageOptions,
): OpenLineageRunEvent[] {
  const first = chain[0];
  const last = chain.at(-1);
  if (first === undefined || last === undefined) return [];
  const { producer } = options;
  const started = object(first.data);
  const end = endOf(last);
  const runFacet = (ended: boolean) =>
    facet(producer, 'AwfRunFacet', {
      awfRunId: first.chainId,
      entityId: first.entityId,
      eventId: text(started.eventId),
      source: text(started.source),
      detailType: text(started.detailType),
      lineage: { records: chain.length, headSeq: last.seq, headHash: last.hash },
      ...(ended && {
        status: text(object(last.data).status) ?? (end === 'COMPLETE' ? 'COMPLETED' : last.type),
        reason: text(object(last.data).reason),
        cycleTimeMs:
          typeof object(last.data).cycleTimeMs === 'number' ? object(last.data).cycleTimeMs : undefined,
      }),
    });
  const release = facet(producer, 'AwfReleaseRunFacet', {
    workflowId: first.workflowId,
    workflowVersion: first.versions?.workflowVersion,
  });
  const base = {
    producer,
    schemaURL: OPENLINEAGE_RUN_EVENT_SCHEMA_URL,
    job: { namespace: options.namespace ?? 'awf', name: first.workflowId },
    inputs: [],
  };
  const runId = openLineageRunId(first.chainId);
  const events: OpenLineageRunEvent[] = [
    {
      ...base,
      eventType: 'START',
      eventTime: first.at,
      run: { runId, facets: { awf_run: runFacet(false), awf_release: release } },
      outputs: [],
    },
  ];
  if (end !== undefined) {
    events.push({
      ...base,
      eventType: end,
      eventTime: last.at,
      run: {
        runId,
        facets: {
          awf_run: runFacet(true),
          awf_release: release,
          awf_agent: facet(producer, 'AwfAgentRunFacet', agentFacet(chain)),
          awf_policy: facet(producer, 'AwfPolicyRunFacet', policyFacet(chain)),
          awf_approvals: facet(producer, 'AwfApprovalsRunFacet', approvalsFacet(chain)),
        },
      },
      outputs: outputsOf(chain),
    });
  }
  return events;
}
