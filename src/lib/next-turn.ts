/**
 * Let the event loop turn (timers, I/O: the lease's keep-alive, the node
 * status) in a long loop of synchronous work, such as verifying thousands of
 * certificates, which otherwise holds it for seconds.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
