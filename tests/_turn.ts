// One turn of the event loop for the tests that wait on the garbage collector.

/**
 * Resolves on a later task of the event loop, where FinalizationRegistry
 * callbacks and Node-API finalizers run. A message is a task of its own, like
 * `setTimeout(resolve, 0)`, but without the 4 ms floor nested timers get,
 * which made a loop of a few thousand turns take tens of seconds.
 */
export function turn(): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    port1.onmessage = () => {
      port1.close();
      port2.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
