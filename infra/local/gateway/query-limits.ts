/**
 * Depth and cost of an operation, computed before execution so an abusive document is refused
 * without touching a resolver. Cost counts every field once, multiplied by the page size of each
 * list above it (`first`/`limit`/`pageSize` argument, else `defaultListSize`).
 */
import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  OperationTypeNode,
} from 'graphql';

export interface QueryMeasure {
  readonly depth: number;
  readonly cost: number;
}

const PAGE_ARGUMENTS = new Set(['first', 'last', 'limit', 'pageSize']);

export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  defaultListSize = 10,
): QueryMeasure {
  const root =
    operation.operation === OperationTypeNode.MUTATION
      ? schema.getMutationType()
      : operation.operation === OperationTypeNode.SUBSCRIPTION
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  let maxDepth = 0;
  // Execution applies a variable's default when the variable is not sent, so the measure must too,
  // or `query ($n: Int = 100000) { users(first: $n) … }` would be costed at the default list size.
  const effectiveVariables: Record<string, unknown> = { ...variables };
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (!Object.hasOwn(effectiveVariables, name) && definition.defaultValue?.kind === Kind.INT)
      effectiveVariables[name] = Number(definition.defaultValue.value);
  }

  const walk = (
    selectionSet: SelectionSetNode,
    parent: GraphQLNamedType | null | undefined,
    depth: number,
    multiplier: number,
  ): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        // __typename costs nothing; introspection fields count like any other (deep ofType chains are a classic DoS).
        if (selection.name.value === '__typename') continue;
        maxDepth = Math.max(maxDepth, depth);
        const fieldDef =
          selection.name.value === '__schema'
            ? { type: schema.getType('__Schema')! }
            : selection.name.value === '__type'
              ? { type: schema.getType('__Type')! }
              : parent && (isObjectType(parent) || isInterfaceType(parent))
                ? parent.getFields()[selection.name.value]
                : undefined;
        let childMultiplier = multiplier;
        if (fieldDef && isListType(getNullableType(fieldDef.type))) {
          const pageArg = selection.arguments?.find((argument) => PAGE_ARGUMENTS.has(argument.name.value));
          let size = defaultListSize;
          if (pageArg?.value.kind === Kind.INT) size = Number(pageArg.value.value);
          else if (
            pageArg?.value.kind === Kind.VARIABLE &&
            typeof effectiveVariables[pageArg.value.name.value] === 'number'
          )
            size = effectiveVariables[pageArg.value.name.value] as number;
          childMultiplier = multiplier * Math.max(1, size);
        }
        cost += multiplier;
        if (selection.selectionSet)
          cost += walk(
            selection.selectionSet,
            fieldDef ? getNamedType(fieldDef.type) : undefined,
            depth + 1,
            childMultiplier,
          );
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typed = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        cost += walk(selection.selectionSet, typed, depth, multiplier);
      } else {
        const fragment = fragments[selection.name.value];
        if (fragment)
          cost += walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), depth, multiplier);
      }
    }
    return cost;
  };

  const cost = walk(operation.selectionSet, root, 1, 1);
  return { depth: maxDepth, cost };
}
