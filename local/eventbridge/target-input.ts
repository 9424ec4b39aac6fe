/**
 * What EventBridge sends a target: the whole event, a constant `Input`, the
 * part `InputPath` selects, or the text an `InputTransformer` builds.
 *
 * EventBridge's JSONPath is a small subset (dot notation, dashes and
 * underscores in names, array indices); paths outside it are refused when the
 * rules are loaded rather than silently read as missing.
 */
import { AwfError } from '../../core/errors.js';
import type { LocalBusEvent } from './sink.js';

/** How a target's input is built, as `AWS::Events::Rule` targets configure it. */
export interface TargetInputConfig {
  /** Constant JSON text sent instead of the event. */
  readonly input?: string;
  /** JSONPath of the part of the event to send. */
  readonly inputPath?: string;
  readonly inputTransformer?: {
    /** Variable name -> JSONPath into the event. */
    readonly inputPathsMap?: Readonly<Record<string, string>>;
    /** Text with `<variable>` placeholders. */
    readonly inputTemplate: string;
  };
}

/** The rule a delivery comes from, for the transformer's predefined variables. */
export interface RuleIdentity {
  readonly name: string;
  readonly arn: string;
}

/** A target's input configuration breaks EventBridge's rules. */
export class TargetInputError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TargetInputError';
  }
}

type PathStep = string | number;

const PATH_STEP = /\.([A-Za-z0-9_-]+)|\[(\d+)\]/y;
const PREDEFINED = [
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event.ingestion-time',
  'aws.events.event',
  'aws.events.event.json',
];
const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/y;

/**
 * Parses an EventBridge JSONPath (`$`, `$.detail.orderId`, `$.detail.items[0].sku`).
 * @throws TargetInputError naming the path and what EventBridge accepts.
 */
export function parseEventPath(path: string): readonly PathStep[] {
  if (!path.startsWith('$')) {
    throw new TargetInputError(`JSONPath must start with "$", got ${JSON.stringify(path)}`);
  }
  const steps: PathStep[] = [];
  PATH_STEP.lastIndex = 1;
  while (PATH_STEP.lastIndex < path.length) {
    const start = PATH_STEP.lastIndex;
    const match = PATH_STEP.exec(path);
    if (!match) {
      throw new TargetInputError(
        `JSONPath ${JSON.stringify(path)} is not supported at position ${start}: use dot notation and array indices, such as "$.detail.items[0].sku"`,
      );
    }
    steps.push(match[1] ?? Number(match[2]));
  }
  return steps;
}

/** The value at `steps` in `value`, or undefined. */
function select(value: unknown, steps: readonly PathStep[]): unknown {
  let current: unknown = value;
  for (const step of steps) {
    if (typeof step === 'number') {
      current = Array.isArray(current) ? current[step] : undefined;
    } else if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
      current = Object.getOwnPropertyDescriptor(current, step)?.value;
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * Checks a target's input configuration without an event: paths parse, and at
 * most one of `Input`, `InputPath`, `InputTransformer` is set.
 * @throws TargetInputError naming the problem.
 */
export function validateTargetInput(config: TargetInputConfig): void {
  const kinds = [config.input, config.inputPath, config.inputTransformer].filter((v) => v !== undefined);
  if (kinds.length > 1) {
    throw new TargetInputError('a target may set only one of Input, InputPath and InputTransformer');
  }
  if (config.input !== undefined) {
    try {
      JSON.parse(config.input);
    } catch (cause) {
      throw new TargetInputError(`Input must be JSON text, got ${JSON.stringify(config.input)}`, { cause });
    }
  }
  if (config.inputPath !== undefined) parseEventPath(config.inputPath);
  for (const [name, path] of Object.entries(config.inputTransformer?.inputPathsMap ?? {})) {
    if (PREDEFINED.includes(name) || name.startsWith('aws.')) {
      throw new TargetInputError(`InputPathsMap variable "${name}" is reserved by EventBridge`);
    }
    parseEventPath(path);
  }
}

/** Text for a value placed inside a JSON string of the template. */
function insideString(value: unknown): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return JSON.stringify(text).slice(1, -1);
}

/** Text for a value placed where a JSON value goes. */
function asJsonValue(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** Text for a value in a template that is not JSON. */
function asPlainText(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function transform(
  transformer: NonNullable<TargetInputConfig['inputTransformer']>,
  event: LocalBusEvent,
  rule: RuleIdentity,
  ingestionTime: Date,
): string {
  const { detail: _detail, ...withoutDetail } = event;
  const variables = new Map<string, unknown>([
    ['aws.events.rule-arn', rule.arn],
    ['aws.events.rule-name', rule.name],
    ['aws.events.event.ingestion-time', ingestionTime.toISOString()],
  ]);
  // These two are inserted as raw JSON wherever they appear.
  const rawJson = new Map<string, string>([
    ['aws.events.event', JSON.stringify(withoutDetail)],
    ['aws.events.event.json', JSON.stringify(event)],
  ]);
  for (const [name, path] of Object.entries(transformer.inputPathsMap ?? {})) {
    variables.set(name, select(event, parseEventPath(path)));
  }

  const template = transformer.inputTemplate;
  const first = template.trimStart().charAt(0);
  const json = first === '{' || first === '[' || first === '"';
  let output = '';
  let inString = false;
  for (let i = 0; i < template.length; ) {
    const character = template.charAt(i);
    if (character === '<') {
      PLACEHOLDER.lastIndex = i;
      const match = PLACEHOLDER.exec(template);
      const name = match?.[1];
      if (match && name !== undefined && (variables.has(name) || rawJson.has(name))) {
        const raw = rawJson.get(name);
        const value = variables.get(name);
        if (raw !== undefined) output += raw;
        else if (!json) output += asPlainText(value);
        else output += inString ? insideString(value) : asJsonValue(value);
        i += match[0].length;
        continue;
      }
    }
    if (json && character === '\\' && inString) {
      output += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (json && character === '"') inString = !inString;
    output += character;
    i += 1;
  }
  return output;
}

/**
 * The text EventBridge sends the target for `event`.
 * @param ingestionTime when the bus accepted the event (`aws.events.event.ingestion-time`)
 */
export function targetInput(
  config: TargetInputConfig,
  event: LocalBusEvent,
  rule: RuleIdentity,
  ingestionTime: Date,
): string {
  if (config.input !== undefined) return config.input;
  if (config.inputPath !== undefined) {
    return JSON.stringify(select(event, parseEventPath(config.inputPath)) ?? null);
  }
  if (config.inputTransformer !== undefined)
    return transform(config.inputTransformer, event, rule, ingestionTime);
  return JSON.stringify(event);
}
