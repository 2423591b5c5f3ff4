import { buildSchema, Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { measureOperation } from './query-limits.ts';

const schema = buildSchema(`
  interface Node { id: ID! }
  type User implements Node { id: ID! name: String friends(first: Int): [User!]! posts(limit: Int): [Post] }
  type Post implements Node { id: ID! title: String comments(pageSize: Int): [[Comment]] }
  type Comment { id: ID! body: String }
  union SearchResult = User | Post
  type Query { me: User users(first: Int, after: String): [User!]! node(id: ID!): Node search(term: String): [SearchResult!] }
  type Mutation { follow(userId: ID!): User }
`);

function measure(query: string, variables: Record<string, unknown> = {}, defaultListSize?: number) {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return measureOperation(schema, operation, fragments, variables, defaultListSize);
}

describe('measureOperation', () => {
  it('counts each field once at depth of its nesting', () => {
    expect(measure('{ me { id name } }')).toEqual({ depth: 2, cost: 3 });
  });

  it('does not count __typename', () => {
    expect(measure('{ me { __typename id } }')).toEqual({ depth: 2, cost: 2 });
  });

  it('multiplies fields under a list by its literal `first`, through nested lists', () => {
    // users 1 + id 5 + friends 5 + friends.id 5*3
    expect(measure('{ users(first: 5) { id friends(first: 3) { id } } }')).toEqual({ depth: 3, cost: 26 });
  });

  it('recognises limit and pageSize arguments, and lists of lists', () => {
    // me 1 + posts 1 + comments 4 + body 4*2
    expect(measure('{ me { posts(limit: 4) { comments(pageSize: 2) { body } } } }')).toEqual({ depth: 4, cost: 14 });
  });

  it('uses the default list size when no page argument is given', () => {
    expect(measure('{ users { id } }')).toEqual({ depth: 2, cost: 11 });
    expect(measure('{ users { id } }', {}, 100)).toEqual({ depth: 2, cost: 101 });
  });

  it('treats a page size below one as one', () => {
    expect(measure('{ users(first: 0) { id } }').cost).toBe(2);
    expect(measure('{ users(first: -5) { id } }').cost).toBe(2);
  });

  it('reads `first` from a variable', () => {
    const query = 'query Q($n: Int) { users(first: $n) { id name } }';
    expect(measure(query, { n: 7 })).toEqual({ depth: 2, cost: 15 });
    expect(measure(query, {})).toEqual({ depth: 2, cost: 21 });
    expect(measure(query, { n: 'lots' }).cost).toBe(21);
  });

  it("uses a variable's default value when the variable is not sent", () => {
    const query = 'query Q($n: Int = 500) { users(first: $n) { id } }';
    expect(measure(query, {}).cost).toBe(501);
    expect(measure(query, { n: 2 }).cost).toBe(3);
    // A variable named like an Object.prototype member is still a variable.
    expect(measure('query Q($constructor: Int = 500) { users(first: $constructor) { id } }', {}).cost).toBe(501);
  });

  it('counts fields inside named fragments at the depth of the spread', () => {
    const query = `
      query { users(first: 2) { ...UserBits } }
      fragment UserBits on User { id friends(first: 2) { ...Leaf } }
      fragment Leaf on User { id }
    `;
    // users 1 + id 2 + friends 2 + friends.id 4
    expect(measure(query)).toEqual({ depth: 3, cost: 9 });
  });

  it('counts the same fragment at every place it is spread', () => {
    const query = `
      query { me { ...F friends(first: 3) { ...F } } }
      fragment F on User { id name }
    `;
    // me 1 + id,name 2 + friends 1 + id,name 3*2
    expect(measure(query)).toEqual({ depth: 3, cost: 10 });
  });

  it('follows inline fragments on interfaces, with and without a type condition', () => {
    const query = `{
      node(id: "usr_1") {
        id
        ... on User { name posts(limit: 3) { title } }
        ... on Post { title }
        ... { id }
      }
    }`;
    // node 1 + id 1 + name 1 + posts 1 + title 3 + Post.title 1 + id 1
    expect(measure(query)).toEqual({ depth: 3, cost: 9 });
  });

  it('follows inline fragments on union members under a list', () => {
    expect(measure('{ search { ... on User { id friends(first: 2) { id } } ... on Post { id } } }')).toEqual({
      depth: 3,
      cost: 51,
    });
  });

  it('measures mutations from the mutation root', () => {
    expect(measure('mutation { follow(userId: "usr_2") { id friends(first: 50) { id } } }')).toEqual({
      depth: 3,
      cost: 53,
    });
  });

  it('counts introspection fields like any other', () => {
    // __schema 1 + types 1 + name 10 + fields 10 + fields.name 100
    expect(measure('{ __schema { types { name fields { name } } } }')).toEqual({ depth: 4, cost: 122 });
  });

  it('reports the depth of the deepest branch', () => {
    const deep = measure(
      '{ me { id friends(first: 1) { friends(first: 1) { friends(first: 1) { friends(first: 1) { id } } } } } }',
    );
    expect(deep.depth).toBe(6);
    expect(deep.cost).toBe(7);
  });
});
