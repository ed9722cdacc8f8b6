/**
 * `Atomics.waitAsync`, typed: Node 20 has it, but our `lib: ES2023` does not
 * declare it (it is ES2024).
 */
export type WaitAsyncResult =
  | { readonly async: false; readonly value: 'not-equal' | 'timed-out' }
  | { readonly async: true; readonly value: Promise<'ok' | 'timed-out'> };

const atomics = Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs?: number): WaitAsyncResult;
};

/** Resolves once `array[index]` is notified or no longer equals `value`. */
export async function waitAsync(array: Int32Array, index: number, value: number, timeoutMs = Infinity): Promise<void> {
  const waiting = atomics.waitAsync(array, index, value, timeoutMs);
  if (waiting.async) await waiting.value;
}
