/**
 * The ports a step may declare, and how a step gets exactly the ones it declared.
 *
 * A step's declaration is the single list of what it may touch: the Lambda
 * side builds only those adapters, `lib/` derives the step's IAM statements
 * from it, and `portsFor` hands the use case an object on which every other
 * port throws. A step that reaches for a port it did not declare therefore
 * fails in the first test that runs it, instead of with an AccessDenied
 * after a deploy.
 */
import type { CallerIdentities } from '../approval/caller.js';
import { AwfError } from '../errors.js';
import type { FollowUpScheduler } from '../followup/scheduler.js';
import type { LineageStore } from '../lineage/record.js';
import type { RecordKeys } from '../lineage/record-keys.js';
import type { ModelPort } from '../model/model.js';
import type {
  Clock,
  EventPublisher,
  ExecutionReader,
  FactReader,
  ItemUpdater,
  KeyedHasher,
  TaskCallbacks,
  TaskTokenSeal,
} from '../ports.js';
import { RUNS_STORE_ACCESS, type RunsStore } from '../runs/records.js';
import type { RunsPartition } from '../storage/table-layout.js';
import type { StepMetrics } from './metrics.js';
import type { StepName } from './step-names.js';

/** Every port a step can be given. */
export interface StepPorts {
  /** The runs table. */
  readonly runs: RunsStore;
  /** The lineage table (steps append through `lineageWriter`, which checks the registry). */
  readonly lineage: LineageStore;
  /** The platform bus. */
  readonly events: EventPublisher;
  /** The DynamoDB tables of the workflow's `dynamodb` connectors. */
  readonly items: ItemUpdater;
  /** The workflow's model (Bedrock Converse). */
  readonly model: ModelPort;
  /** Step Functions' task token callbacks. */
  readonly callbacks: TaskCallbacks;
  /** The customer tables the workflow's grounding facts name (read only). */
  readonly facts: FactReader;
  /** The platform's keyed hash (HMAC) of history keys. */
  readonly keys: KeyedHasher;
  /** The lineage record keys: MACs of the records a step writes, checks of those it relies on. */
  readonly recordKeys: RecordKeys;
  /** Seals approval task tokens before they are stored, and opens them to resume a run. */
  readonly tokens: TaskTokenSeal;
  /** Who called the approvals endpoint, as AWS authenticated them. */
  readonly callers: CallerIdentities;
  /** Step Functions' DescribeExecution on the workflow's own executions. */
  readonly executions: ExecutionReader;
  /** CloudWatch metrics (EMF) a step records while it works, beyond what its `measure` counts from its output. */
  readonly metrics: StepMetrics;
  /** EventBridge Scheduler's one-time schedules of the workflow's follow-ups (`core/followup/scheduler.ts`). */
  readonly scheduler: FollowUpScheduler;
}

/** One of {@link StepPorts}' names. */
export type PortName = keyof StepPorts;

/** Every port name, for iteration. */
export const PORT_NAMES: readonly PortName[] = [
  'runs',
  'lineage',
  'events',
  'items',
  'model',
  'callbacks',
  'facts',
  'keys',
  'recordKeys',
  'tokens',
  'callers',
  'executions',
  'metrics',
  'scheduler',
];

/**
 * How a step uses each port it declares; `lib/` grants exactly this.
 * - `runs`: read, or read and write the items of the partitions listed;
 * - `lineage`: append records (the registry says which types);
 * - `events`: put platform events of its workflow (`workflow`), or only the
 *   detail-types of the workflow's connectors (`connectors`), or only those of
 *   its reducing actions' connectors (`follow-ups`: what follow-ups run through);
 * - `items`: update the tables the workflow's connectors name (`connectors`),
 *   or only those its reducing actions' connectors name (`follow-ups`);
 * - `model`: invoke the workflow's model;
 * - `callbacks`: answer task tokens (success or failure);
 * - `facts`: `GetItem` on the tables the workflow's grounding facts name;
 * - `keys`: `GenerateMac` with the platform's history-key HMAC key;
 * - `recordKeys`: `sign` the records the step writes with its own record key
 *   (`GenerateMac`), and `verify` the MACs of the records of the writers it
 *   names (`VerifyMac` on their keys only); see {@link RecordKeysNeed};
 * - `tokens`: `seal` approval task tokens (`Encrypt` with the task token key,
 *   the approval id as encryption context), or `open` them (`Decrypt` with
 *   it, likewise); never both, so the step that stores a token cannot read
 *   one back, and only the step that opens tokens can resume a run;
 * - `callers`: `identify` the caller of the step's function URL from the
 *   identity AWS authenticated (no IAM: Lambda checked the signature; the
 *   step's environment names the approver roles whose sessions it trusts);
 * - `executions`: `states:DescribeExecution` on the workflow's own executions;
 * - `metrics`: record metrics while working (no IAM: EMF lines in the step's log);
 * - `scheduler`: `create` the workflow's follow-up schedules (and pass the
 *   scheduler's role), or `delete` them, in the workflow's schedule group only.
 */
export interface PortNeeds {
  readonly runs?: 'read' | { readonly writes: readonly RunsPartition[] };
  readonly lineage?: 'append';
  readonly events?: 'workflow' | 'connectors' | 'follow-ups';
  readonly items?: 'connectors' | 'follow-ups';
  readonly model?: 'invoke';
  readonly callbacks?: 'answer';
  readonly facts?: 'read';
  readonly keys?: 'mac';
  readonly recordKeys?: RecordKeysNeed;
  readonly tokens?: 'seal' | 'open';
  readonly callers?: 'identify';
  readonly executions?: 'describe';
  readonly metrics?: 'emit';
  readonly scheduler?: 'create' | 'delete';
}

/**
 * What a step does with record keys: `'sign'` (the MAC of each record it
 * writes, under its own key: every step that appends lineage), or that and
 * `verify` of the records of the steps named (a reader that acts on another
 * step's record, e.g. Act on Plan's and decide-approval's).
 */
export type RecordKeysNeed = 'sign' | { readonly sign: true; readonly verify: readonly StepName[] };

/** The writers whose records a need lets a step verify. */
export function recordKeysVerified(need: RecordKeysNeed | undefined): readonly StepName[] {
  return need === undefined || need === 'sign' ? [] : need.verify;
}

/** The ports a step with needs `N` is given: those it declared, and the clock. */
export type PortsFor<N extends PortNeeds> = {
  readonly [K in keyof N & PortName]-?: StepPorts[K];
} & { readonly clock: Clock };

/** A step reached for a port, or a runs store method, it did not declare. */
export class UndeclaredPortError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'UndeclaredPortError';
  }
}

function partitionsOf(writes: string | readonly string[]): readonly string[] {
  return typeof writes === 'string' ? [writes] : writes;
}

/** The runs store methods a declared access admits. */
export function runsMethodsAdmitted(access: NonNullable<PortNeeds['runs']>): (keyof RunsStore)[] {
  const writes: readonly string[] = access === 'read' ? [] : access.writes;
  return (Object.keys(RUNS_STORE_ACCESS) as (keyof RunsStore)[]).filter((method) => {
    const use: 'read' | { readonly writes: string | readonly string[] } = RUNS_STORE_ACCESS[method];
    return use === 'read' || partitionsOf(use.writes).every((partition) => writes.includes(partition));
  });
}

function restrictRuns(step: StepName, store: RunsStore, access: NonNullable<PortNeeds['runs']>): RunsStore {
  const admitted = new Set<string>(runsMethodsAdmitted(access));
  const declared = access === 'read' ? 'read' : `writes ${access.writes.join(', ') || 'nothing'}`;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (
        typeof property === 'string' &&
        Object.hasOwn(RUNS_STORE_ACCESS, property) &&
        !admitted.has(property)
      ) {
        const use = RUNS_STORE_ACCESS[property as keyof RunsStore];
        throw new UndeclaredPortError(
          `the ${step} step called runs.${property} (${use === 'read' ? 'read' : `writes ${partitionsOf(use.writes).join(', ')}`}), but declared runs access "${declared}"`,
        );
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function restrictRecordKeys(step: StepName, keys: RecordKeys, need: RecordKeysNeed): RecordKeys {
  const verified = recordKeysVerified(need);
  return {
    sign(writer, hash) {
      if (writer !== step) {
        throw new UndeclaredPortError(
          `the ${step} step asked for a MAC under the record key of ${writer}; a step signs with its own key only`,
        );
      }
      return keys.sign(writer, hash);
    },
    verify(writer, hash, mac) {
      if (!verified.includes(writer)) {
        throw new UndeclaredPortError(
          `the ${step} step verified a record of ${writer}, but declared recordKeys verify of ${verified.join(', ') || 'no step'}`,
        );
      }
      return keys.verify(writer, hash, mac);
    },
  };
}

function restrictTokens(step: StepName, tokens: TaskTokenSeal, need: 'seal' | 'open'): TaskTokenSeal {
  const refuse = (use: string): never => {
    throw new UndeclaredPortError(
      `the ${step} step asked to ${use} a task token, but declared tokens "${need}"`,
    );
  };
  return {
    seal: (approvalId, token) => (need === 'seal' ? tokens.seal(approvalId, token) : refuse('seal')),
    open: (approvalId, sealed) => (need === 'open' ? tokens.open(approvalId, sealed) : refuse('open')),
  };
}

/**
 * The ports a step gets: the declared ones from `available`, each limited to
 * its declared use where the port allows it (the runs store's methods, the
 * record keys a step may sign and verify with, sealing or opening tokens), plus
 * the clock; any other port throws UndeclaredPortError when read.
 *
 * @throws UndeclaredPortError naming the step and the port, on use of an
 *   undeclared port; ConfigurationError-like AwfError when a declared port is
 *   not available.
 */
export function portsFor<N extends PortNeeds>(
  step: StepName,
  needs: N,
  available: Partial<StepPorts>,
  clock: Clock,
): PortsFor<N> {
  const ports: Record<string, unknown> = { clock };
  for (const name of PORT_NAMES) {
    const need = needs[name];
    if (need === undefined) {
      Object.defineProperty(ports, name, {
        enumerable: false,
        get() {
          throw new UndeclaredPortError(`the ${step} step used the ${name} port, which it did not declare`);
        },
      });
      continue;
    }
    const port = available[name];
    if (port === undefined)
      throw new AwfError(`the ${step} step declares the ${name} port, but none was given`);
    if (name === 'runs') ports[name] = restrictRuns(step, port as RunsStore, needs.runs ?? 'read');
    else if (name === 'recordKeys')
      ports[name] = restrictRecordKeys(step, port as RecordKeys, needs.recordKeys ?? 'sign');
    else if (name === 'tokens')
      ports[name] = restrictTokens(step, port as TaskTokenSeal, needs.tokens ?? 'open');
    else ports[name] = port;
  }
  return ports as PortsFor<N>;
}
