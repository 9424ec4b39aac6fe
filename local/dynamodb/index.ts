/**
 * DynamoDB Local as a service of the local cloud: the Java process
 * (`launcher.ts`) and the template's tables in it (`tables.ts`).
 */

export {
  type LocalTableBackground,
  startTableBackground,
  type TableBackgroundOptions,
} from './background.js';
export { LocalDynamoDbError } from './error.js';
export {
  checkJavaRuntime,
  DEFAULT_JVM_OPTIONS,
  type LocalDynamoDb,
  type LocalDynamoDbOptions,
  startLocalDynamoDb,
} from './launcher.js';
export { StreamMappings, streamMappingsOf } from './streams.js';
export { createTemplateTables, type TemplateTable, type TemplateTables, templateTable } from './tables.js';
export { TtlDeletionLog, TtlSweeper, ttlTablesOf } from './ttl.js';
