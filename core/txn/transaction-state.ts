/**
 * Kafka's transaction states, with the ids `__transaction_state` stores in
 * TransactionLogValue.TransactionStatus and the names DescribeTransactions and
 * ListTransactions use. PrepareEpochFence is never written: it is the moment
 * a coordinator bumps the epoch of an ongoing transaction to abort it (a
 * zombie's InitProducerId, a timeout), which lands in the log as PrepareAbort.
 */
export const TransactionState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;

export type TransactionStateId = (typeof TransactionState)[keyof typeof TransactionState];

const names = new Map<number, string>(Object.entries(TransactionState).map(([name, id]) => [id, name]));

export function transactionStateName(state: number): string {
  return names.get(state) ?? `Unknown(${state})`;
}

/** The state of a name (as ListTransactions' filter spells it), or undefined. */
export function transactionStateOf(name: string): TransactionStateId | undefined {
  return (TransactionState as Record<string, TransactionStateId>)[name];
}

export function isPrepared(state: number): boolean {
  return state === TransactionState.PrepareCommit || state === TransactionState.PrepareAbort;
}

export function isComplete(state: number): boolean {
  return state === TransactionState.Empty || state === TransactionState.CompleteCommit || state === TransactionState.CompleteAbort;
}
