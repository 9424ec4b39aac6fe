/**
 * The workflow spec: what a workflow pack declares and `defineWorkflow` validates.
 *
 * A spec is code (it carries zod schemas for the trigger detail and for each
 * action's input), validated when it is defined, so a bad pack fails
 * `cdk synth` with a message naming the workflow, the field and what was
 * expected, instead of failing at 3 a.m. in a Lambda.
 */
import { z } from 'zod';
import { DURATION_PATTERN, durationToSeconds } from '../duration.js';
import { WorkflowSpecError } from '../errors.js';
import { InvalidEventPatternError, validatePattern } from '../event-pattern/index.js';
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

const action = z.object({
  /** What the action does, in words the model and the approver both read. */
  description: z.string().min(10),
  /** The action's input; the model's proposal is parsed with it, never cast. */
  input: zodObjectSchema,
  risk: z.enum(RISK_LEVELS),
  connector,
});

const workflowSpecSchema = z
  .object({
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
    agent: z.object({
      /** Bedrock model id or inference-profile id (`us.anthropic...`). */
      modelId: z.string().min(3),
      /** File in the pack holding the system prompt. */
      prompt: z
        .string()
        .regex(/^[\w.-]+\.md$/, 'expected a markdown file name in the pack, such as "prompt.md"'),
      maxIterations: z.number().int().min(1).max(10),
      maxTokens: z.number().int().min(64).max(8192),
      temperature: z.number().min(0).max(1),
      /** How many times invalid model output is sent back for repair before the run escalates. */
      maxRepairs: z.number().int().min(0).max(3).default(2),
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
        /** Counts of this workflow's executed actions for the same key within a window, for temporal policies. */
        history: z
          .object({
            key: eventPath,
            window: duration,
            actions: z.array(z.string()).min(1),
          })
          .optional(),
      })
      .default({}),
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
      /** Roles notified, in order, when an approval expires. */
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
      retentionDays: z.number().int().min(1).max(3650),
    }),
  })
  .superRefine((spec, ctx) => {
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
    const roles = new Set(spec.approvals.approverRoles);
    for (const [principal, principalRoles] of Object.entries(spec.approvals.approvers)) {
      if (!principalRoles.some((r) => roles.has(r))) {
        ctx.addIssue({
          code: 'custom',
          path: ['approvals', 'approvers', principal],
          message: `expected at least one of the approver roles (${[...roles].join(', ')}), got ${principalRoles.join(', ')}`,
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
