/**
 * Kafka's way with a request naming several resources: the ones the principal may not touch are
 * answered with their authorization error and left out of the work; the rest are handled as
 * usual. `list` says where a request holds its resources and where its response answers them.
 */
export interface ListAccess<Request, Response, Item, Output> {
  items(request: Request): readonly Item[];
  withItems(request: Request, items: Item[]): Request;
  outputs(response: Response): readonly Output[];
  withOutputs(response: Response, outputs: Output[]): Response;
  /** The answers for refused items; by default the handler's own error answer for a request of only those. */
  refused?(request: Request, items: Item[], errorCode: number): Output[];
  /** Call the handler even with no item allowed, for what the rest of its answer carries (Metadata's brokers). */
  handleEmpty?: boolean;
}

export interface HandlerCall<Request, Response> {
  readonly request: Request;
  handle(request: Request): Promise<Response | null>;
  fail(request: Request, errorCode: number): Response;
}

/**
 * Handles the allowed items and answers the refused ones: `refusal(item)` is the error code for an
 * item the principal may not touch, or null. All refused: the handler is not called (unless `handleEmpty`).
 */
export async function splitByAuthorization<Request, Response, Item, Output>(
  call: HandlerCall<Request, Response>,
  list: ListAccess<Request, Response, Item, Output>,
  refusal: (item: Item) => number | null,
): Promise<Response | null> {
  const allowed: Item[] = [];
  const refused = new Map<number, Item[]>();
  for (const item of list.items(call.request)) {
    const errorCode = refusal(item);
    if (errorCode === null) allowed.push(item);
    else refused.set(errorCode, [...(refused.get(errorCode) ?? []), item]);
  }
  if (refused.size === 0) return call.handle(call.request);
  const answers: Output[] = [];
  for (const [errorCode, items] of refused) {
    answers.push(...(list.refused?.(call.request, items, errorCode) ?? list.outputs(call.fail(list.withItems(call.request, items), errorCode))));
  }
  if (allowed.length === 0 && list.handleEmpty !== true) return list.withOutputs(call.fail(list.withItems(call.request, []), 0), answers);
  const handled = await call.handle(list.withItems(call.request, allowed));
  return handled === null ? null : list.withOutputs(handled, [...list.outputs(handled), ...answers]);
}

/** The common shape: a field of the request and a field of the response, both arrays. */
export function fields<Request, Response, RK extends keyof Request, SK extends keyof Response>(
  requestField: RK,
  responseField: SK,
): ListAccess<Request, Response, ElementOf<Request[RK]>, ElementOf<Response[SK]>> {
  return {
    items: (request) => request[requestField] as readonly ElementOf<Request[RK]>[],
    withItems: (request, items) => ({ ...request, [requestField]: items }),
    outputs: (response) => response[responseField] as readonly ElementOf<Response[SK]>[],
    withOutputs: (response, outputs) => ({ ...response, [responseField]: outputs }),
  };
}

type ElementOf<T> = T extends readonly (infer E)[] ? E : never;
