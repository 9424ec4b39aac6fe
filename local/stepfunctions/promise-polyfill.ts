/**
 * `Promise.withResolvers` for Node 20.
 *
 * aws-local-stepfunctions 3 calls it for every Task state's timeout, and Node
 * only ships it from version 22; without it every Task fails with a TypeError.
 * Importing this module installs it once, before any state machine runs.
 */

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor: PromiseConstructor & { withResolvers?: unknown } = Promise;

if (typeof promiseConstructor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(): Resolvers<T> {
      let resolve: Resolvers<T>['resolve'] = () => undefined;
      let reject: Resolvers<T>['reject'] = () => undefined;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
