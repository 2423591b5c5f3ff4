/**
 * AppSync's two per-request limits (infra/definitions/appsync-limits.ts), enforced as AppSync does:
 * per field during execution, not by refusing the whole request. A field deeper than
 * `queryDepthLimit` answers null with a `QueryDepthLimitReached` error (and nothing under it runs);
 * resolver invocations past `resolverCountLimit` answer null with `ResolverExecutionLimitReached`.
 *
 * graphql-js resolves introspection fields with its own resolvers, which the gateway's field
 * resolver never sees, so their depth is measured before execution (`introspectionDepth`).
 */
import { Kind, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { GraphQLResolveInfo } from 'graphql';

/** A field's depth as AppSync counts it: root fields are 1; list indexes do not count. */
export function fieldDepth(path: GraphQLResolveInfo['path']): number {
  let depth = 0;
  for (let at: GraphQLResolveInfo['path'] | undefined = path; at; at = at.prev)
    if (typeof at.key === 'string') depth += 1;
  return depth;
}

/** Per request: how many resolvers may still run. */
export class ResolverBudget {
  private used = 0;
  constructor(private readonly limit: number) {}
  /** Takes one invocation; false once the limit is spent. */
  take(): boolean {
    this.used += 1;
    return this.used <= this.limit;
  }
}

/**
 * The depth of the deepest field under `__schema` / `__type` (the root field counts 1), 0 when the
 * operation does not introspect. Runs only on validated documents (no fragment cycles).
 */
export function introspectionDepth(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
): number {
  const depthOf = (set: SelectionSetNode | undefined, depth: number): number => {
    let deepest = 0;
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === '__typename') continue;
        deepest = Math.max(deepest, depth, selection.selectionSet ? depthOf(selection.selectionSet, depth + 1) : 0);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(selection.selectionSet, depth));
      } else {
        deepest = Math.max(deepest, depthOf(fragments[selection.name.value]?.selectionSet, depth));
      }
    }
    return deepest;
  };
  const rootIntrospection = (set: SelectionSetNode | undefined): number => {
    let deepest = 0;
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === '__schema' || selection.name.value === '__type')
          deepest = Math.max(deepest, 1, depthOf(selection.selectionSet, 2));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, rootIntrospection(selection.selectionSet));
      } else {
        deepest = Math.max(deepest, rootIntrospection(fragments[selection.name.value]?.selectionSet));
      }
    }
    return deepest;
  };
  return rootIntrospection(operation.selectionSet);
}
