import type { z } from 'zod';
import type { HttpResponse, RouteContext, RouteDefinition } from './types.js';

type Output<T> = T extends z.ZodType ? z.output<T> : undefined;

/** Types a route's handler from its query and body schemas. */
export function defineRoute<
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(
  route: Omit<RouteDefinition, 'handle' | 'query' | 'body'> & {
    readonly query?: Q;
    readonly body?: B;
    handle(context: RouteContext<Output<Q>, Output<B>>): Promise<HttpResponse>;
  },
): RouteDefinition {
  return route as unknown as RouteDefinition;
}
