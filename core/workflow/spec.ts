/**
 * The workflow spec: what a workflow pack declares and `defineWorkflow` validates.
 *
 * A spec is code (it carries zod schemas for the trigger detail and for each
 * action's input), validated when it is defined, so a bad pack fails
 * `cdk synth` with a message naming the workflow, the field and what was
 * expected, instead of failing at 3 a.m. in a Lambda.
 */
import * as z from 'zod';
import { DURATION_PATTERN, durationToSeconds } from '../duration.js';
import { WorkflowSpecError } from '../errors.js';
import { InvalidEventPatternError, validatePattern } from '../event-pattern/index.js';
import { agentModelProblems } from '../model/agent-models.js';
import { PLATFORM_DETAIL_TYPES } from '../platform-events.js';

/** How much damage an action can do; shown to approvers and available to policies. */
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
/** How far an action runs on its own: recorded only, behind a human, or on policy alone. */
export const AUTONOMY_LEVELS = ['shadow', 'supervised', 'autonomous'] as const;
/** Data classes for event fields; only some may reach the model. */
export const DATA_CLASSES = ['public', 'internal', 'pii', 'secret'] as const;

export type RiskLevel = (typeof RISK_LEVELS)[number];
export type AutonomyLevel = (typeof AUTONOMY_LEVELS)[number];
export type DataClass = (typeof DATA_CLASSES)[number];

/** The tool name the model calls to say the objective is reached; no action may use it. */
export const FINISH_TOOL_NAME = 'finish';

const isZodSchema = (value: unknown): value is z.ZodType => value instanceof z.ZodType;
const zodSchema = z.custom<z.ZodType>(isZodSchema, { message: 'expected a zod schema' });
const zodObjectSchema = z.custom<z.ZodObject>((v) => v instanceof z.ZodObject, {
  message: 'expected a zod object schema (z.object({...}))',
});

const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,47}$/, 'expected lowercase letters, digits and dashes, 2-48 characters');
const semver = z
  .string()
  .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'expected a semantic version such as 1.2.0');
const duration = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration such as "90s", "15m", "24h" or "7d"');
/** A JSONPath into the EventBridge event, restricted to plain member access: `$.detail.orderId`. */
const eventPath = z
  .string()
  .regex(
    /^\$(\.[A-Za-z_][A-Za-z0-9_-]*)+$/,
    'expected a JSONPath of member names such as "$.detail.orderId"',
  );
/** Action names become tool names and Cedar action ids: camelCase, no punctuation. */
const ACTION_NAME_PATTERN = /^[a-z][A-Za-z0-9]{1,63}$/;
/** Names of facts, history measures and caps: Cedar attribute names, camelCase. */
const attributeName = z
  .string()
  .regex(/^[a-z][A-Za-z0-9]{0,63}$/, 'expected a camelCase name such as "order" or "refundedAmount"');
/** A DynamoDB table named by its name or its ARN (a table of another stack or account). */
const TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;
const TABLE_ARN_PATTERN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;
const tableReference = z
  .string()
  .refine(
    (value) => TABLE_NAME_PATTERN.test(value) || TABLE_ARN_PATTERN.test(value),
    'expected a DynamoDB table name or a table ARN (arn:aws:dynamodb:<region>:<account>:table/<name>)',
  );

/** True when `zone` is an IANA time zone this runtime knows (`UTC`, `Europe/Paris`). */
function isTimeZone(zone: string): boolean {
  // The default needs no ICU formatter, whose first construction costs every step's cold start 10 to 17 ms.
  if (zone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const eventBridgeConnector = z.object({
  type: z.literal('eventbridge'),
  /** `detail-type` of the event the action emits on the platform bus; the source is `awf.<workflow id>`. */
  detailType: z.string().min(1).max(128),
});

const dynamoDbConnector = z.object({
  type: z.literal('dynamodb'),
  /** Physical name of an existing table in the same account and region. */
  tableName: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'expected a DynamoDB table name'),
  /** Action input fields that form the item's primary key. */
  keyFields: z.array(z.string().min(1)).min(1).max(2),
  /** Action input fields written to the item with `SET`. */
  updateFields: z.array(z.string().min(1)).min(1),
});

const connector = z.discriminatedUnion('type', [eventBridgeConnector, dynamoDbConnector]);

/**
 * A follow-up: an action scheduled when its action executes, due a number of
 * hours later (from a number field of the executed input, or fixed), with an
 * input taken field by field from the executed input.
 */
const followUpSpec = z.strictObject({
  /** The follow-up action: a catalogue action whose `reduces` names this one. */
  action: z.string().min(1),
  /** A number field of this action's input holding the hours from execution to the follow-up. */
  afterHoursField: z.string().min(1).optional(),
  /** A fixed time from execution to the follow-up ("24h"). */
  after: duration.optional(),
  /** Each field of the follow-up's input, taken from the named field of this action's executed input. */
  input: z.record(z.string().min(1), z.string().min(1)),
});

const action = z.object({
  /** What the action does, in words the model and the approver both read. */
  description: z.string().min(10),
  /** The action's input; the model's proposal is parsed with it, never cast. */
  input: zodObjectSchema,
  risk: z.enum(RISK_LEVELS),
  connector,
  /**
   * Input fields bound to the run's case: each must equal the admitted event's
   * value at its path (`{ orderId: '$.detail.orderId' }`), or the decision is
   * DENY before any policy runs. An action needs at least one, or `unbound`.
   */
  bind: z.record(z.string(), eventPath).optional(),
  /** Opts an action out of binding, saying why none of its fields names the case. */
  unbound: z.object({ reason: z.string().min(10, 'expected a reason of at least 10 characters') }).optional(),
  /**
   * An action scheduled when this one executes (`grantAccess` -> `revokeAccess`
   * after `input.durationHours`): see {@link followUpSpec}.
   */
  followUp: followUpSpec.optional(),
  /**
   * This action only takes back what the named action granted: it is never
   * offered to the model (and denied if proposed), and runs only as that
   * action's follow-up, without a policy evaluation and even while the
   * workflow is halted.
   */
  reduces: z.string().optional(),
});

/** A grounding read of one item of a customer's DynamoDB table: the trusted facts of the case. */
const factSource = z.object({
  type: z.literal('dynamodb'),
  /** The table, by name or ARN; awf only ever reads it, one `GetItem` by key. */
  table: tableReference,
  /** The item's key: each key attribute and the event path its value comes from. */
  key: z
    .record(z.string().min(1), eventPath)
    .refine(
      (key) => Object.keys(key).length >= 1 && Object.keys(key).length <= 2,
      'expected 1 or 2 key attributes',
    ),
});

const fact = z.object({
  source: factSource,
  /** The item's attributes awf reads, parsed with this schema; policies see them as `context.facts.<name>`. */
  attributes: zodObjectSchema,
  /** How sensitive the fact is: the prompt gets it only when the model may see this class. */
  dataClass: z.enum(DATA_CLASSES).default('internal'),
  /** JSON file in the pack holding items the local cloud seeds the table with (a list of items). */
  localFixture: z
    .string()
    .regex(/^[\w./-]+\.json$/, 'expected a JSON file name in the pack, such as "fixtures/orders.json"')
    .optional(),
});

/** A figure temporal policies read as `context.history.<name>`: a count or a sum over executed actions. */
const historyMeasure = z.object({
  action: z.string(),
  /** A numeric input field summed over the executions; without it the executions are counted. */
  sum: z.string().optional(),
  /** Only executions whose input has these values count (`{ level: 'admin' }`). */
  where: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

/** How a history key is normalized before it is hashed, so `Frank@Acme` and ` frank@acme` are one key. */
export const KEY_NORMALIZATIONS = ['trim', 'case-fold'] as const;

/**
 * A limit on the sum of one input field of an action, per bound value, across
 * runs: kept as a ledger entry written with the execution claim, so two
 * concurrent runs cannot both pass it.
 */
const cap = z.object({
  action: z.string(),
  /** The numeric input field summed (`amount`). */
  sum: z.string(),
  /** The bound input field the cap is kept per (`orderId`). */
  per: z.string(),
  /** The limit: a fixed number, or a numeric fact attribute (`{ fact: 'order.total' }`). */
  limit: z.union([
    z.number().positive(),
    z.object({
      fact: z
        .string()
        .regex(
          /^[a-z][A-Za-z0-9]*\.[A-Za-z_][A-Za-z0-9_]*$/,
          'expected "<fact>.<attribute>", such as "order.total"',
        ),
    }),
  ]),
});

const workflowSpecObject = z.object({
  id: identifier,
  version: semver,
  owner: z.object({ team: z.string().min(1), contact: z.string().min(3) }),
  objective: z.string().min(20),
  trigger: z.object({
    source: z.string().min(1),
    detailType: z.string().min(1),
    /** Extra EventBridge pattern fields on `detail`, ANDed with source and detail-type. */
    detailPattern: z.record(z.string(), z.unknown()).optional(),
    /** Schema of `detail`; an event that fails it is rejected with a lineage record and no run. */
    detail: zodSchema,
  }),
  /** Path of the business entity (order id, ticket id) the run is about; lineage is indexed by it. */
  entityKey: eventPath,
  /**
   * What makes two events one business request (a request id, or several
   * fields hashed together): the first starts a run, any other event with
   * the same values is recorded as its duplicate and starts nothing.
   */
  businessKey: z.object({ paths: z.array(eventPath).min(1).max(8) }).optional(),
  /** IANA time zone of `context.now`'s hour, weekday and date (`UTC`, `Europe/Paris`). */
  timezone: z
    .string()
    .refine(isTimeZone, 'expected an IANA time zone such as "UTC" or "Europe/Paris"')
    .default('UTC'),
  agent: z.object({
    /** Bedrock model id or inference-profile id (`us.anthropic...`). */
    modelId: z.string().min(3),
    /**
     * The day `modelId`'s lifecycle was last checked on its Bedrock model card
     * (YYYY-MM-DD): models reach end of life, so the pack says how fresh its
     * knowledge that the model is Active is.
     */
    modelCheckedOn: z.iso.date('expected a date such as "2026-12-04"').optional(),
    /** Models tried in order when the one before is unavailable (end of life, access denied, unknown id). */
    fallbackModels: z.array(z.string().min(3)).max(3).default([]),
    /** File in the pack holding the system prompt. */
    prompt: z
      .string()
      .regex(/^[\w.-]+\.md$/, 'expected a markdown file name in the pack, such as "prompt.md"'),
    maxIterations: z.number().int().min(1).max(10),
    maxTokens: z.number().int().min(64).max(8192),
    temperature: z.number().min(0).max(1),
    /** How many times invalid model output is sent back for repair before the run escalates. */
    maxRepairs: z.number().int().min(0).max(3).default(2),
    /**
     * What one run's model calls may consume, checked before each call: tokens
     * (input plus output) and/or estimated USD (`core/cost/prices.ts`). A run
     * that has spent it escalates as BUDGET_EXCEEDED.
     */
    budget: z
      .object({ maxTokens: z.number().int().min(1).optional(), maxUsd: z.number().positive().optional() })
      .refine(
        (b) => b.maxTokens !== undefined || b.maxUsd !== undefined,
        'expected maxTokens, maxUsd or both',
      )
      .optional(),
  }),
  actions: z
    .record(z.string(), action)
    .refine((a) => Object.keys(a).length > 0, 'expected at least one action'),
  /** File in the pack holding the Cedar policy set. */
  policies: z
    .string()
    .regex(/^[\w.-]+\.cedar$/, 'expected a .cedar file name in the pack, such as "policies.cedar"'),
  grounding: z
    .object({
      /** Trusted business data read before planning, by name (`context.facts.order`). */
      facts: z.record(attributeName, fact).default({}),
      /** Counts and sums of this workflow's executed actions for the same key within a window, for temporal policies. */
      history: z
        .object({
          key: eventPath,
          /** Applied to the key's value before it is hashed and stored. */
          normalize: z.array(z.enum(KEY_NORMALIZATIONS)).default([]),
          window: duration,
          /** Actions counted as `context.history.<action>`. */
          actions: z.array(z.string()).min(1),
          /** Filtered counts and sums as `context.history.<measure>`. */
          measures: z.record(attributeName, historyMeasure).default({}),
        })
        .optional(),
    })
    .default({ facts: {} }),
  /** Limits across runs, kept in a ledger with each execution (see `cap`). */
  caps: z.record(attributeName, cap).default({}),
  autonomy: z.object({
    default: z.enum(AUTONOMY_LEVELS),
    actions: z.record(z.string(), z.enum(AUTONOMY_LEVELS)).default({}),
    /** Promote an action one level when humans agreed with at least this share of its last decisions. */
    promotion: z
      .object({ minDecisions: z.number().int().min(1), minAgreement: z.number().min(0).max(1) })
      .optional(),
    /** Demote an action one level when humans overrode more than this share of its recent decisions. */
    demotion: z.object({ maxOverrideRate: z.number().min(0).max(1) }).optional(),
  }),
  approvals: z.object({
    /** Roles allowed to decide this workflow's approvals. */
    approverRoles: z.array(z.string().min(1)).min(1),
    /** Principals and their roles; the decide step checks the approver against this directory. */
    approvers: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)),
    timeout: duration,
    reminderInterval: duration,
    /**
     * The escalation ladder: rung k's role is notified after k reminder intervals
     * of a pending approval, and may approve it from then on (earlier rungs keep
     * their right); at the timeout the action is denied and these roles are told.
     */
    escalation: z.array(z.string().min(1)).min(1),
    /** Event fields naming people who may not approve their own case (e.g. who filed the request). */
    separationOfDuties: z
      .object({ excludeEventFields: z.array(eventPath) })
      .default({ excludeEventFields: [] }),
  }),
  data: z.object({
    /** Classification per event field path; unlisted fields take `defaultClass`. */
    classification: z.record(eventPath, z.enum(DATA_CLASSES)),
    defaultClass: z.enum(DATA_CLASSES).default('internal'),
    /** Classes that may reach the model; other fields are redacted before the prompt. */
    modelMaySee: z.array(z.enum(DATA_CLASSES)).min(1),
    /** Classes of event fields policies may read as `context.event`; other fields are absent there. */
    policyMaySee: z.array(z.enum(DATA_CLASSES)).default([]),
    retentionDays: z.number().int().min(1).max(3650),
  }),
});

const workflowSpecSchema = workflowSpecObject.superRefine((spec, ctx) => {
  const actionNames = new Set(Object.keys(spec.actions));
  for (const name of actionNames) {
    if (name === FINISH_TOOL_NAME) {
      ctx.addIssue({
        code: 'custom',
        path: ['actions', name],
        message: `"${name}" is reserved for the platform`,
      });
    } else if (!ACTION_NAME_PATTERN.test(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['actions', name],
        message: `expected a camelCase name such as "issueRefund", got "${name}"`,
      });
    }
  }
  for (const [name, entry] of Object.entries(spec.actions)) {
    for (const problem of connectorProblems(entry)) {
      ctx.addIssue({
        code: 'custom',
        path: ['actions', name, 'connector', problem.field],
        message: problem.message,
      });
    }
  }
  for (const name of Object.keys(spec.autonomy.actions)) {
    if (!actionNames.has(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['autonomy', 'actions', name],
        message: `expected one of the catalogue's actions (${[...actionNames].join(', ')}), got "${name}"`,
      });
    }
  }
  for (const name of spec.grounding.history?.actions ?? []) {
    if (!actionNames.has(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['grounding', 'history', 'actions'],
        message: `expected one of the catalogue's actions, got "${name}"`,
      });
    }
  }
  for (const problem of governanceProblems(spec)) ctx.addIssue({ code: 'custom', ...problem });
  for (const problem of followUpProblems(spec)) ctx.addIssue({ code: 'custom', ...problem });
  for (const { path, message } of agentModelProblems(spec.agent)) {
    ctx.addIssue({ code: 'custom', path: ['agent', ...path], message });
  }
  if (spec.trigger.detailPattern) {
    try {
      validatePattern({ detail: spec.trigger.detailPattern });
    } catch (error) {
      if (!(error instanceof InvalidEventPatternError)) throw error;
      for (const problem of error.problems) {
        ctx.addIssue({ code: 'custom', path: ['trigger', 'detailPattern'], message: problem });
      }
    }
  }
  const timeout = durationToSeconds(spec.approvals.timeout);
  if (timeout > 30 * 86_400) {
    ctx.addIssue({
      code: 'custom',
      path: ['approvals', 'timeout'],
      message: `expected at most 30d, got ${spec.approvals.timeout}`,
    });
  }
  if (durationToSeconds(spec.approvals.reminderInterval) >= timeout) {
    ctx.addIssue({
      code: 'custom',
      path: ['approvals', 'reminderInterval'],
      message: `expected less than the approval timeout (${spec.approvals.timeout}), got ${spec.approvals.reminderInterval}`,
    });
  }
  // A role of the escalation ladder approves once its rung is reached, so it may be a person's only role.
  const roles = new Set([...spec.approvals.approverRoles, ...spec.approvals.escalation]);
  for (const [principal, principalRoles] of Object.entries(spec.approvals.approvers)) {
    if (!principalRoles.some((r) => roles.has(r))) {
      ctx.addIssue({
        code: 'custom',
        path: ['approvals', 'approvers', principal],
        message: `expected at least one of the approver or escalation roles (${[...roles].join(', ')}), got ${principalRoles.join(', ')}`,
      });
    }
  }
  if (spec.data.modelMaySee.includes('secret')) {
    ctx.addIssue({
      code: 'custom',
      path: ['data', 'modelMaySee'],
      message: 'secret fields may never reach the model',
    });
  }
});

type ParsedSpec = z.output<typeof workflowSpecObject>;
type SpecProblem = { path: PropertyKey[]; message: string };

/** The zod type under optional/default wrappers, to tell numbers from other fields. */
function baseSchemaOf(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
    current = current.def.innerType as z.ZodType;
  }
  return current;
}

function isNumberField(input: z.ZodObject, field: string): boolean {
  return baseSchemaOf(input.shape[field] as z.ZodType | undefined) instanceof z.ZodNumber;
}

/**
 * What is wrong with the parts of a spec that bind decisions to trusted facts:
 * action bindings, facts, history measures and caps. Each names the field and
 * what was expected, so the author learns it from `cdk synth`.
 */
function governanceProblems(spec: ParsedSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const actionNames = Object.keys(spec.actions);
  const known = (name: string) => Object.hasOwn(spec.actions, name);
  const expectAction = (name: string, path: PropertyKey[]) => {
    if (!known(name)) {
      problems.push({
        path,
        message: `expected one of the catalogue's actions (${actionNames.join(', ')}), got "${name}"`,
      });
    }
  };

  for (const [name, entry] of Object.entries(spec.actions)) {
    const fields = Object.keys(entry.input.shape);
    const bound = Object.keys(entry.bind ?? {});
    if (bound.length === 0 && entry.unbound === undefined) {
      problems.push({
        path: ['actions', name, 'bind'],
        message: `expected the input fields that name the run's case bound to event paths (such as { orderId: '$.detail.orderId' }), or unbound: { reason } saying why ${name} names no case`,
      });
    }
    if (bound.length > 0 && entry.unbound !== undefined) {
      problems.push({
        path: ['actions', name, 'unbound'],
        message: 'expected either bind or unbound, not both',
      });
    }
    for (const field of bound) {
      const schema = entry.input.shape[field] as z.ZodType | undefined;
      if (schema === undefined) {
        problems.push({
          path: ['actions', name, 'bind', field],
          message: `expected a field of the action's input (${fields.join(', ')}), got "${field}"`,
        });
      } else if (schema.safeParse(undefined).success) {
        problems.push({
          path: ['actions', name, 'bind', field],
          message: `expected a required field of the action's input, got optional "${field}"`,
        });
      }
    }
  }

  const facts = spec.grounding.facts;
  const history = spec.grounding.history;
  for (const [name, measure] of Object.entries(history?.measures ?? {})) {
    const path = ['grounding', 'history', 'measures', name];
    if (history?.actions.includes(name) || known(name)) {
      problems.push({ path, message: `"${name}" is an action's name; a measure needs a name of its own` });
    }
    expectAction(measure.action, [...path, 'action']);
    const input = spec.actions[measure.action]?.input;
    if (input === undefined) continue;
    if (measure.sum !== undefined && !isNumberField(input, measure.sum)) {
      problems.push({
        path: [...path, 'sum'],
        message: `expected a number field of ${measure.action}'s input, got "${measure.sum}"`,
      });
    }
    for (const field of Object.keys(measure.where)) {
      if (!Object.hasOwn(input.shape, field)) {
        problems.push({
          path: [...path, 'where', field],
          message: `expected a field of ${measure.action}'s input, got "${field}"`,
        });
      }
    }
  }

  for (const [name, entry] of Object.entries(spec.caps)) {
    const path = ['caps', name];
    expectAction(entry.action, [...path, 'action']);
    const action = spec.actions[entry.action];
    if (action === undefined) continue;
    if (
      !isNumberField(action.input, entry.sum) ||
      action.input.shape[entry.sum]?.safeParse(undefined).success
    ) {
      problems.push({
        path: [...path, 'sum'],
        message: `expected a required number field of ${entry.action}'s input, got "${entry.sum}"`,
      });
    }
    if (!Object.hasOwn(action.bind ?? {}, entry.per)) {
      problems.push({
        path: [...path, 'per'],
        message: `expected a field ${entry.action} binds to the case (${Object.keys(action.bind ?? {}).join(', ') || 'none'}), got "${entry.per}"`,
      });
    }
    if (typeof entry.limit === 'object') {
      const [factName = '', attribute = ''] = entry.limit.fact.split('.');
      const source = facts[factName];
      if (source === undefined) {
        problems.push({
          path: [...path, 'limit', 'fact'],
          message: `expected one of the grounding facts (${Object.keys(facts).join(', ') || 'none'}), got "${factName}"`,
        });
      } else if (
        !isNumberField(source.attributes, attribute) ||
        source.attributes.shape[attribute]?.safeParse(undefined).success
      ) {
        problems.push({
          path: [...path, 'limit', 'fact'],
          message: `expected a required number attribute of fact "${factName}", got "${attribute}"`,
        });
      }
    }
  }
  return problems;
}

/** The longest time a follow-up may wait: a reducing action that never runs would grant for good. */
export const MAX_FOLLOW_UP_HOURS = 24 * 365;

/**
 * What is wrong with the follow-ups and the reducing actions of a spec. Only
 * reducing follow-ups are supported (they run ungated and while halted, which
 * is safe only because they take back what their action granted), so a
 * follow-up and its action must name each other: `followUp.action` on one
 * side, `reduces` on the other.
 */
function followUpProblems(spec: ParsedSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const names = Object.keys(spec.actions);
  for (const [name, entry] of Object.entries(spec.actions)) {
    const followUp = entry.followUp;
    if (followUp === undefined) continue;
    const path = ['actions', name, 'followUp'];
    const fields = Object.keys(entry.input.shape);
    if (entry.reduces !== undefined) {
      problems.push({
        path,
        message: `${name} reduces ${entry.reduces}; a reducing action cannot schedule a follow-up of its own`,
      });
    }
    if ((followUp.afterHoursField === undefined) === (followUp.after === undefined)) {
      problems.push({
        path,
        message:
          'expected exactly one of afterHoursField (a number field of the input holding hours) or after (a duration such as "24h")',
      });
    }
    if (followUp.afterHoursField !== undefined) {
      const field = followUp.afterHoursField;
      if (!isNumberField(entry.input, field) || entry.input.shape[field]?.safeParse(undefined).success) {
        problems.push({
          path: [...path, 'afterHoursField'],
          message: `expected a required number field of ${name}'s input (${fields.join(', ')}), got "${field}"`,
        });
      }
    }
    if (
      followUp.after !== undefined &&
      DURATION_PATTERN.test(followUp.after) &&
      durationToSeconds(followUp.after) > MAX_FOLLOW_UP_HOURS * 3600
    ) {
      problems.push({
        path: [...path, 'after'],
        message: `expected at most ${MAX_FOLLOW_UP_HOURS}h, got ${followUp.after}`,
      });
    }
    const target = Object.hasOwn(spec.actions, followUp.action) ? spec.actions[followUp.action] : undefined;
    if (target === undefined || followUp.action === name) {
      problems.push({
        path: [...path, 'action'],
        message: `expected another of the catalogue's actions (${names.join(', ')}), got "${followUp.action}"`,
      });
      continue;
    }
    if (target.reduces !== name) {
      problems.push({
        path: [...path, 'action'],
        message: `expected an action whose reduces names ${name}, but ${followUp.action} ${target.reduces === undefined ? 'declares no reduces' : `reduces ${target.reduces}`}: only follow-ups that take back what ${name} granted are supported`,
      });
    }
    const targetFields = Object.keys(target.input.shape);
    for (const [field, source] of Object.entries(followUp.input)) {
      if (!Object.hasOwn(target.input.shape, field)) {
        problems.push({
          path: [...path, 'input', field],
          message: `expected a field of ${followUp.action}'s input (${targetFields.join(', ')}), got "${field}"`,
        });
      }
      if (!Object.hasOwn(entry.input.shape, source)) {
        problems.push({
          path: [...path, 'input', field],
          message: `expected a field of ${name}'s input (${fields.join(', ')}) to take ${field} from, got "${source}"`,
        });
      } else if (
        target.input.shape[field] !== undefined &&
        !target.input.shape[field].safeParse(undefined).success &&
        entry.input.shape[source]?.safeParse(undefined).success
      ) {
        // A required field taken from one the executed input may lack would leave the follow-up unable to run.
        problems.push({
          path: [...path, 'input', field],
          message: `expected a required field of ${name}'s input to take the required ${field} from, got optional "${source}"`,
        });
      }
    }
    for (const field of targetFields) {
      const required = !target.input.shape[field]?.safeParse(undefined).success;
      if (required && !Object.hasOwn(followUp.input, field)) {
        problems.push({
          path: [...path, 'input'],
          message: `expected every required field of ${followUp.action}'s input to be taken from ${name}'s input; "${field}" is missing`,
        });
      }
    }
  }
  for (const [name, entry] of Object.entries(spec.actions)) {
    if (entry.reduces === undefined) continue;
    const reduced = Object.hasOwn(spec.actions, entry.reduces) ? spec.actions[entry.reduces] : undefined;
    const path = ['actions', name, 'reduces'];
    if (reduced === undefined || entry.reduces === name) {
      problems.push({
        path,
        message: `expected another of the catalogue's actions (${names.join(', ')}), got "${entry.reduces}"`,
      });
    } else if (reduced.followUp?.action !== name) {
      problems.push({
        path,
        message: `expected an action whose followUp.action is ${name}, but ${entry.reduces} ${reduced.followUp === undefined ? 'declares no followUp' : `follows up with ${reduced.followUp.action}`}: a reducing action runs only as its action's follow-up`,
      });
    }
  }
  return problems;
}

const platformDetailTypes: readonly string[] = Object.values(PLATFORM_DETAIL_TYPES);

/**
 * What is wrong with an action's connector given the action's input: a
 * platform detail-type, or dynamodb key and update fields the input does not
 * always carry (they would fail only when the action runs) or that overlap
 * (DynamoDB refuses to SET a key attribute).
 */
function connectorProblems(entry: z.output<typeof action>): { field: string; message: string }[] {
  const { connector: spec, input } = entry;
  if (spec.type === 'eventbridge') {
    return platformDetailTypes.includes(spec.detailType)
      ? [{ field: 'detailType', message: `"${spec.detailType}" is the detail-type of a platform event` }]
      : [];
  }
  const problems: { field: string; message: string }[] = [];
  const fields = Object.keys(input.shape);
  for (const field of ['keyFields', 'updateFields'] as const) {
    for (const name of spec[field]) {
      const schema = input.shape[name];
      if (schema === undefined) {
        problems.push({
          field,
          message: `expected a field of the action's input (${fields.join(', ')}), got "${name}"`,
        });
      } else if (schema.safeParse(undefined).success) {
        problems.push({
          field,
          message: `expected a required field of the action's input, got optional "${name}"`,
        });
      }
    }
  }
  for (const name of spec.updateFields.filter((f) => spec.keyFields.includes(f))) {
    problems.push({
      field: 'updateFields',
      message: `"${name}" is a key field; a key attribute cannot be updated`,
    });
  }
  return problems;
}

/** The workflow spec as written by an author (defaults not yet applied). */
export type WorkflowSpecInput = z.input<typeof workflowSpecSchema>;
/** A validated workflow spec with defaults applied. */
export type WorkflowSpec = z.output<typeof workflowSpecSchema>;
/** One entry of a workflow's action catalogue. */
export type ActionSpec = WorkflowSpec['actions'][string];
/** Where an executed action lands. */
export type ConnectorSpec = ActionSpec['connector'];
/** An action's follow-up, as the spec declares it. */
export type FollowUpSpec = NonNullable<ActionSpec['followUp']>;

function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/**
 * Validates a workflow spec and returns it with defaults applied.
 *
 * @throws WorkflowSpecError listing every problem as `field.path: what was expected`.
 * @example
 * export default defineWorkflow({ id: 'refund-triage', version: '1.0.0', ... });
 */
export function defineWorkflow(spec: WorkflowSpecInput): WorkflowSpec {
  const parsed = workflowSpecSchema.safeParse(spec);
  if (parsed.success) return parsed.data;
  const id = typeof (spec as { id?: unknown }).id === 'string' ? (spec as { id: string }).id : '(no id)';
  throw new WorkflowSpecError(
    id,
    parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
  );
}
