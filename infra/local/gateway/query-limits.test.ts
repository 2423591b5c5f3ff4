import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ResolverBudget, fieldDepth, introspectionDepth } from './query-limits.ts';

function depthOf(query: string): number {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return introspectionDepth(operation, fragments);
}

describe('fieldDepth', () => {
  it('counts field names, not list indexes', () => {
    const path = {
      prev: { prev: { prev: undefined, key: 'cities', typename: 'Query' }, key: 3, typename: undefined },
      key: 'code',
      typename: 'City',
    };
    expect(fieldDepth(path)).toBe(2);
    expect(fieldDepth({ prev: undefined, key: 'cities', typename: 'Query' })).toBe(1);
  });
});

describe('introspectionDepth', () => {
  it('is 0 for operations that do not introspect', () => {
    expect(depthOf('{ cities { code } }')).toBe(0);
    expect(depthOf('{ __typename }')).toBe(0);
  });

  it('counts from the introspection root field', () => {
    expect(depthOf('{ __schema { types { name fields { name } } } }')).toBe(4);
    expect(depthOf('{ __type(name: "City") { name } }')).toBe(2);
  });

  it('follows fragments at the root and below', () => {
    expect(
      depthOf(
        'query { ...Root } fragment Root on Query { __schema { ...T } } fragment T on __Schema { types { name } }',
      ),
    ).toBe(3);
    expect(depthOf('{ ... on Query { __schema { queryType { name } } } }')).toBe(3);
  });
});

describe('ResolverBudget', () => {
  it('grants exactly the limit', () => {
    const budget = new ResolverBudget(2);
    expect([budget.take(), budget.take(), budget.take()]).toEqual([true, true, false]);
  });
});
