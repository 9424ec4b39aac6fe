/**
 * Connectors: where an executed action lands.
 *
 * Both kinds are idempotent on their own, which is what lets Act re-run a
 * connector after a crash between the side effect and its record:
 * - `eventbridge` puts the same detail every time, with an `idempotencyKey`
 *   consumers dedupe on;
 * - `dynamodb` `SET`s the same fields of the same item to the same values.
 */
import { ConfigurationError } from '../../errors.js';
import { workflowEventSource } from '../../platform-events.js';
import type { EventPublisher, ItemUpdater } from '../../ports.js';
import type { ConnectorSpec } from '../../workflow/spec.js';

/** The ports connectors reach. */
export interface ConnectorPorts {
  readonly events: EventPublisher;
  readonly items: ItemUpdater;
}

/** What identifies one execution of one action. */
export interface ConnectorCall {
  readonly workflowId: string;
  readonly runId: string;
  readonly proposalId: string;
  /** Same for every attempt at this (run, proposal); consumers dedupe on it. */
  readonly idempotencyKey: string;
  /** The action's input, parsed with its schema. */
  readonly input: Readonly<Record<string, unknown>>;
}

/** Whether re-running a connector after a crashed attempt repeats no effect. */
export function isIdempotentConnector(connector: ConnectorSpec): boolean {
  switch (connector.type) {
    case 'eventbridge':
    case 'dynamodb':
      return true;
  }
}

/** A connector's public description, for lineage records. */
export function describeConnector(connector: ConnectorSpec): Record<string, unknown> {
  return connector.type === 'eventbridge'
    ? { type: connector.type, detailType: connector.detailType }
    : { type: connector.type, tableName: connector.tableName };
}

function pick(
  input: Readonly<Record<string, unknown>>,
  fields: readonly string[],
  what: string,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const field of fields) {
    const value = input[field];
    if (value === undefined) {
      throw new ConfigurationError(
        `dynamodb connector: ${what} field "${field}" is not in the action's input (fields: ${Object.keys(input).join(', ')})`,
      );
    }
    picked[field] = value;
  }
  return picked;
}

/**
 * Runs a connector and returns what it produced (the observation's `result`).
 *
 * @throws ConfigurationError when a dynamodb connector names a field the input lacks.
 * @throws the ports' errors unchanged, so the state machine can retry them.
 */
export async function runConnector(
  connector: ConnectorSpec,
  call: ConnectorCall,
  ports: ConnectorPorts,
): Promise<Record<string, unknown>> {
  switch (connector.type) {
    case 'eventbridge': {
      const source = workflowEventSource(call.workflowId);
      // Platform fields last: an input field of the same name cannot spoof them.
      const detail = {
        ...call.input,
        runId: call.runId,
        proposalId: call.proposalId,
        idempotencyKey: call.idempotencyKey,
      };
      const { eventIds } = await ports.events.publish([{ source, detailType: connector.detailType, detail }]);
      return { source, detailType: connector.detailType, eventId: eventIds[0] ?? null };
    }
    case 'dynamodb': {
      const key = pick(call.input, connector.keyFields, 'key');
      const set = pick(call.input, connector.updateFields, 'update');
      await ports.items.update(connector.tableName, key, set);
      return { tableName: connector.tableName, key, updated: Object.keys(set) };
    }
  }
}
