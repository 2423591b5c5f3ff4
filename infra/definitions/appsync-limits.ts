/**
 * AppSync's own per-request limits, defined once: the CDK GraphqlApi (infra/cdk/stacks/api.stack.ts)
 * sets them and the local gateway (infra/local/gateway) enforces them the way AppSync does.
 *
 * AppSync has no cost analysis: what one request may cost is bounded by these two limits together
 * with the page-size caps each resolver keeps server-side (see docs/client-developers.md).
 */
export interface AppSyncLimits {
  /**
   * Deepest field a query may select (AppSync allows 1–75; 0 means none). Fields below it are not
   * resolved: each answers null with a `QueryDepthLimitReached` error (bubbling to the nearest
   * nullable parent), while shallower fields still resolve.
   */
  readonly queryDepthLimit: number;
  /**
   * Resolver invocations one request may make (AppSync allows 1–10,000; 0 means 10,000). Every
   * resolver here is a domain Lambda on a root field, so this bounds aliased root fields per request;
   * the invocations past it answer null with a `ResolverExecutionLimitReached` error and never run.
   */
  readonly resolverCountLimit: number;
}

export const appSyncLimits: AppSyncLimits = {
  // The schema's own types nest 5 deep at most; graphql-js's standard introspection query (GraphiQL,
  // codegen) reaches 15 with its TypeRef chain, and developer tools must keep working.
  queryDepthLimit: 15,
  // A page of the web app asks for a handful of root fields; 25 leaves room without letting one
  // request fan out into hundreds of Lambda invocations.
  resolverCountLimit: 25,
};
