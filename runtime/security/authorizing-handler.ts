import type { ApiHandler } from '../handlers/registry.js';
import { BROKER_RULES, CONTROLLER_RULES, UNLISTED_RULE } from './api-authorization-rules.js';
import type { RequestAuthorizer } from './request-authorizer.js';

/**
 * A handler behind the authorizer: its API's rule (api-authorization-rules.ts) decides what the
 * handler sees and answers the rest with Kafka's authorization errors. The rule calls the handler
 * synchronously, so request order per connection is kept.
 */
export function authorizingHandler<Request, Response>(handler: ApiHandler<Request, Response>, plane: 'broker' | 'controller', authorizer: RequestAuthorizer): ApiHandler<Request, Response> {
  const rule = (plane === 'controller' ? CONTROLLER_RULES.get(handler.apiKey) : undefined) ?? BROKER_RULES.get(handler.apiKey) ?? UNLISTED_RULE;
  return {
    ...handler,
    handle: (context, request) =>
      rule({
        auth: authorizer.forRequest(context, handler.name),
        context,
        image: () => authorizer.image(),
        request,
        handle: (allowed) => Promise.resolve(handler.handle(context, allowed as Request)),
        fail: (refused, errorCode) => {
          if (handler.errorResponse === undefined) throw new Error(`${handler.name} has no error response for an authorization failure`);
          return handler.errorResponse(refused as Request, errorCode);
        },
      }) as Promise<Response | null> | Response | null,
  };
}
