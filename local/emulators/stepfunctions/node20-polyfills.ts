/**
 * The Node 20 polyfills of the local runtime, in one place (Node 22 has them all; a later issue moves to
 * Node 22 and deletes this file). Imported for its side effect by the Step Functions runner.
 *
 * - Promise.withResolvers (Node 22+): aws-local-stepfunctions 3 uses it for task timeouts.
 */
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: <T>() => {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
