/**
 * The local Lambda service: the host that runs each function of the template
 * in worker threads (`host.ts`, `worker.ts`), its Invoke API over HTTP
 * (`api.ts`), and the file the functions' log lines go to (`function-log.ts`).
 */
export {
  type LambdaApi,
  type LambdaInvocations,
  type LocalLambda,
  type LocalLambdaOptions,
  lambdaInvokeHandler,
  startLambdaApi,
  startLocalLambda,
} from './api.js';
export {
  FUNCTION_LOG_FLUSH_MS,
  type FunctionLog,
  formatFunctionLogLine,
  openFunctionLog,
} from './function-log.js';
export {
  type FunctionLogLine,
  type InvocationOutcome,
  LambdaFunctionError,
  LambdaHost,
  type LambdaHostOptions,
  LambdaServiceError,
  type LocalFunction,
} from './host.js';
