/**
 * The local AppSync: the same merged schema, the same auth modes and directives, the same
 * resolver contract (infra/definitions/appsync-lambda-resolver.js) and AppSync's HTTP answers.
 * Each field in the domain map is dispatched to its domain Lambda's `handler` with the event the
 * AppSync JS resolver would build; fields AppSync resolves with code alone (`appsyncCodeResolvers`)
 * run that same APPSYNC_JS file, and the public reads in `cachedReads` go through the emulated API
 * cache (api-cache.ts), which the eviction mutation's code empties.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  buildSchema,
  defaultFieldResolver,
  execute,
  isObjectType,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  OperationTypeNode,
  getDirectiveValues,
  type GraphQLDirective,
} from 'graphql';
import {
  appsyncCodeResolvers,
  cachedReads,
  graphqlResolvers,
  type CachedRead,
  type DomainName,
} from '../../definitions/domains.ts';
import { loadSchemaSdl } from '../../definitions/schema.ts';
import { appSyncLimits, type AppSyncLimits } from '../../definitions/appsync-limits.ts';
import type { AppSyncResolverEvent } from '../../../lambdas/core/events.ts';
import { ApiCache } from './api-cache.ts';
import { loadAppSyncCode, type AppSyncCodeResolver } from './appsync-code.ts';
import { awsScalars } from './aws-scalars.ts';
import {
  depthLimitErrorType,
  depthLimitMessage,
  executionErrorEntry,
  limitAnswer,
  resolverLimitErrorType,
  resolverLimitMessage,
  malformedEmpty,
  malformedQuery,
  unauthorized,
  validationAnswer,
  type HttpAnswer,
} from './appsync-http.ts';
import { ResolverBudget, fieldDepth, introspectionDepth } from './query-limits.ts';
import { isSigV4, verifySigV4, type IamCredentials } from './sigv4-verifier.ts';

export type AuthMode = 'API_KEY' | 'OPENID_CONNECT' | 'AWS_IAM';
const DEFAULT_MODE: AuthMode = 'OPENID_CONNECT';
const DIRECTIVE_MODES: Record<string, AuthMode> = {
  aws_api_key: 'API_KEY',
  aws_oidc: 'OPENID_CONNECT',
  aws_iam: 'AWS_IAM',
};
const WITHHELD_HEADERS = new Set(['authorization', 'x-api-key', 'cookie']);

export type TokenVerifier = (
  token: string,
) => Promise<{ sub: string; issuer: string; claims: Record<string, unknown> }>;

export class TokenRejected extends Error {
  constructor(readonly unparseable: boolean) {
    super(unparseable ? 'Unable to parse JWT token.' : 'Valid authorization header not provided.');
  }
}

/** A mutation field that resolved: what AppSync hands to the subscriptions that name it. */
export interface MutationPublication {
  readonly fieldName: string;
  readonly value: unknown;
}

export interface GraphqlGatewayOptions {
  readonly stage: string;
  readonly isValidApiKey: (key: string) => boolean;
  readonly verifyToken: TokenVerifier;
  /**
   * AWS_IAM: credentials whose SigV4 signatures (service `appsync`) are accepted (the ones the local
   * stack issues to its Lambdas). Absent: signed requests are refused like a bad token.
   */
  readonly iamCredentials?: IamCredentials;
  /** Called once per resolved root mutation field, before the HTTP answer is returned. */
  readonly onMutation?: (publication: MutationPublication) => void;
  readonly dispatch: (domain: DomainName, event: AppSyncResolverEvent) => Promise<unknown>;
  /** AppSync's limits; the one definition in infra/definitions unless a test narrows them. */
  readonly limits?: AppSyncLimits;
  /** The schema SDL without AppSync's built-ins (tests); default: the merged graphql/ schema. */
  readonly schemaSdl?: string;
  readonly onResolverCrash?: (error: unknown) => void;
  /** AppSync's per-resolver cache settings; the one definition in infra/definitions unless a test narrows them. */
  readonly cachedReads?: Readonly<Record<string, CachedRead>>;
  /** The cache's clock (tests move it past a TTL). */
  readonly nowMs?: () => number;
  /**
   * Entries the emulated cache holds before dropping the oldest (AppSync's bound is its instance's
   * memory). 5,000 by default: `perf:local` measures uncached reads by rotating over more pages.
   */
  readonly apiCacheEntries?: number;
}

interface FieldPlan {
  readonly modes: ReadonlySet<AuthMode>;
  readonly domain: DomainName | undefined;
  /** APPSYNC_JS code on a NONE data source (no Lambda). */
  readonly code: AppSyncCodeResolver | undefined;
  /** `Type.field`, when the API cache keeps its answers. */
  readonly cached: string | undefined;
}

const definitionsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'definitions');

/** Thrown by `util.error` in APPSYNC_JS code: the field answers null with this error entry. */
class AppSyncCodeError extends Error {
  constructor(
    message: string,
    readonly errorType: string | undefined,
    readonly errorInfo: unknown,
  ) {
    super(message);
  }
}

interface RequestContext {
  readonly mode: AuthMode;
  readonly mutations?: { fieldName: string; responseKey: string }[];
  readonly identity: AppSyncResolverEvent['identity'];
  readonly headers: Record<string, string | undefined>;
  readonly variables: Record<string, unknown>;
  readonly resolvers: ResolverBudget;
}

interface PreparedDocument {
  readonly document: DocumentNode;
  readonly errors: readonly GraphQLError[];
}

const builtins = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'appsync-builtins.graphql'), 'utf8');

export function buildGatewaySchema(sdl: string = loadSchemaSdl()): GraphQLSchema {
  const schema = buildSchema(`${builtins}\n${sdl}`);
  for (const [name, implementation] of Object.entries(awsScalars)) {
    const type = schema.getType(name);
    if (type && 'parseLiteral' in type) {
      Object.assign(type, {
        serialize: implementation.serialize,
        parseValue: implementation.parseValue,
        parseLiteral: implementation.parseLiteral,
      });
    }
  }
  return schema;
}

function modesOf(directives: readonly { name: { value: string } }[] | undefined): AuthMode[] {
  return (directives ?? [])
    .map((directive) => DIRECTIVE_MODES[directive.name.value])
    .filter((mode): mode is AuthMode => mode !== undefined);
}

/** AppSync's rule: field directives win; else the type's; else the default mode only. */
function planFields(
  schema: GraphQLSchema,
  codeFor: (coordinate: string) => AppSyncCodeResolver | undefined,
  cached: Readonly<Record<string, CachedRead>>,
): Map<string, Map<string, FieldPlan>> {
  const plans = new Map<string, Map<string, FieldPlan>>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const typeModes = [type.astNode, ...(type.extensionASTNodes ?? [])].flatMap((node) => modesOf(node?.directives));
    const fields = new Map<string, FieldPlan>();
    for (const field of Object.values(type.getFields())) {
      const fieldModes = modesOf(field.astNode?.directives);
      const modes = new Set<AuthMode>(fieldModes.length ? fieldModes : typeModes.length ? typeModes : [DEFAULT_MODE]);
      const coordinate = `${type.name}.${field.name}`;
      fields.set(field.name, {
        modes,
        domain: graphqlResolvers[coordinate],
        code: codeFor(coordinate),
        cached: coordinate in cached ? coordinate : undefined,
      });
    }
    plans.set(type.name, fields);
  }
  return plans;
}

/** AppSync's `selectionSetList`: selected field paths under this field, nested with '/'. */
function selectionSetList(
  fieldNodes: readonly FieldNode[],
  fragments: Record<string, FragmentDefinitionNode>,
): string[] {
  const out: string[] = [];
  const walk = (set: SelectionSetNode | undefined, prefix: string) => {
    if (!set) return;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const path = prefix + selection.name.value;
        out.push(path);
        walk(selection.selectionSet, `${path}/`);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, prefix);
      else walk(fragments[selection.name.value]?.selectionSet, prefix);
    }
  };
  for (const node of fieldNodes) walk(node.selectionSet, '');
  return out;
}

export function createGraphqlGateway(options: GraphqlGatewayOptions) {
  const schema = buildGatewaySchema(options.schemaSdl);
  const apiCache = new ApiCache(options.cachedReads ?? cachedReads, options.nowMs, options.apiCacheEntries ?? 5_000);
  // evictFromApiCache works in mutations only (AppSync ignores it elsewhere); code runs synchronously,
  // so the type of the field being resolved is known while it runs.
  let codeParentType: string | undefined;
  const runtime = {
    util: {
      error: (message: string, errorType?: string, _data?: unknown, errorInfo?: unknown) => {
        throw new AppSyncCodeError(message, errorType, errorInfo);
      },
    },
    extensions: {
      evictFromApiCache: (typeName: string, fieldName: string, keyValuePair: Record<string, unknown>) =>
        codeParentType === 'Mutation' ? apiCache.evict(typeName, fieldName, keyValuePair) : 0,
    },
  };
  const codeResolvers = new Map<string, AppSyncCodeResolver>();
  for (const [coordinate, file] of Object.entries(appsyncCodeResolvers))
    codeResolvers.set(coordinate, loadAppSyncCode(join(definitionsDir, file), runtime));
  const plans = planFields(schema, (coordinate) => codeResolvers.get(coordinate), options.cachedReads ?? cachedReads);
  const { queryDepthLimit, resolverCountLimit } = options.limits ?? appSyncLimits;
  const rules = options.stage === 'prod' ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules;
  const documentCache = new Map<string, PreparedDocument>();

  const fieldResolver: GraphQLFieldResolver<unknown, RequestContext, Record<string, unknown>> = (
    source,
    args,
    context,
    info,
  ) => {
    // AppSync's depth limit: the first field past it answers null with an error; nothing below runs.
    if (queryDepthLimit > 0 && fieldDepth(info.path) > queryDepthLimit)
      throw new GraphQLError(depthLimitMessage(queryDepthLimit), { extensions: { errorType: depthLimitErrorType } });
    const plan = plans.get(info.parentType.name)?.get(info.fieldName);
    if (!plan) return defaultFieldResolver(source, args, context, info);
    if (!plan.modes.has(context.mode)) {
      throw new GraphQLError(`Not Authorized to access ${info.fieldName} on type ${info.parentType.name}`, {
        extensions: { errorType: 'Unauthorized' },
      });
    }
    if (!plan.domain && !plan.code) return defaultFieldResolver(source, args, context, info);
    // AppSync's resolver count limit: invocations past it answer null with an error and never run.
    if (!context.resolvers.take())
      throw new GraphQLError(resolverLimitMessage(), { extensions: { errorType: resolverLimitErrorType } });
    if (info.parentType.name === 'Mutation' && info.path.prev === undefined)
      context.mutations?.push({ fieldName: info.fieldName, responseKey: String(info.path.key) });
    if (plan.code) return runCode(plan.code, args, context, info);
    if (!plan.cached) return dispatchField(plan.domain!, source, args, context, info);
    return cachedField(plan.cached, plan.domain!, source, args, context, info);
  };

  /** A cached resolver: the entry for its keys while it lives, else the Lambda (only answers are kept). */
  async function cachedField(
    coordinate: string,
    domain: DomainName,
    source: unknown,
    args: Record<string, unknown>,
    context: RequestContext,
    info: GraphQLResolveInfo,
  ) {
    const hit = apiCache.get(coordinate, args);
    if (hit) return hit.value;
    const value = await dispatchField(domain, source, args, context, info);
    apiCache.set(coordinate, args, value);
    return value;
  }

  /** APPSYNC_JS on a NONE data source: request's payload becomes ctx.result for response. */
  function runCode(
    code: AppSyncCodeResolver,
    args: Record<string, unknown>,
    context: RequestContext,
    info: GraphQLResolveInfo,
  ) {
    const ctx = {
      arguments: JSON.parse(JSON.stringify(args)) as Record<string, unknown>,
      identity: context.identity,
      info: { fieldName: info.fieldName, parentTypeName: info.parentType.name },
    } as Parameters<AppSyncCodeResolver['request']>[0];
    codeParentType = info.parentType.name;
    try {
      ctx.result = code.request(ctx)?.payload ?? null;
      return JSON.parse(JSON.stringify(code.response(ctx) ?? null)) as unknown;
    } catch (error) {
      if (error instanceof AppSyncCodeError)
        throw new GraphQLError(error.message, {
          extensions: { errorType: error.errorType ?? 'Code', errorInfo: error.errorInfo ?? null },
        });
      options.onResolverCrash?.(error);
      throw new GraphQLError('Internal error', { extensions: { errorType: 'Code' } });
    } finally {
      codeParentType = undefined;
    }
  }

  async function dispatchField(
    domain: DomainName,
    source: unknown,
    args: Record<string, unknown>,
    context: RequestContext,
    info: GraphQLResolveInfo,
  ) {
    const event: AppSyncResolverEvent = {
      arguments: args,
      identity: context.identity,
      source: (source as Record<string, unknown> | undefined) ?? null,
      info: {
        fieldName: info.fieldName,
        parentTypeName: info.parentType.name,
        variables: context.variables,
        selectionSetList: selectionSetList(info.fieldNodes, info.fragments),
      },
      request: { headers: context.headers },
    };
    let result: unknown;
    try {
      // A Lambda sees JSON, not live objects: the round trip keeps local behaviour honest.
      const lambdaEvent = JSON.parse(JSON.stringify(event)) as AppSyncResolverEvent;
      result = JSON.parse(JSON.stringify(await options.dispatch(domain, lambdaEvent)) ?? 'null') as unknown;
    } catch (error) {
      options.onResolverCrash?.(error);
      throw new GraphQLError('Internal error', { extensions: { errorType: 'Lambda:Unhandled' } });
    }
    const envelope = result as {
      data?: unknown;
      error?: { errorType: string; message: string; errorInfo?: unknown };
    } | null;
    if (envelope?.error) {
      throw new GraphQLError(envelope.error.message, {
        extensions: { errorType: envelope.error.errorType, errorInfo: envelope.error.errorInfo ?? null },
      });
    }
    return envelope?.data ?? null;
  }

  function prepare(query: string): PreparedDocument | null {
    const cached = documentCache.get(query);
    if (cached) return cached;
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: 5_000 });
    } catch {
      return null;
    }
    const prepared = { document, errors: validate(schema, document, rules) };
    if (documentCache.size >= 1_000) documentCache.delete(documentCache.keys().next().value!);
    documentCache.set(query, prepared);
    return prepared;
  }

  async function authenticate(
    headers: Record<string, string | undefined>,
    body?: string,
  ): Promise<{ mode: AuthMode; identity: AppSyncResolverEvent['identity'] } | HttpAnswer> {
    const authorization = headers.authorization;
    if (isSigV4(authorization)) {
      // AWS_IAM over HTTP (POST /graphql); the real-time endpoint serves OIDC and API key subscribers only.
      const identity =
        body !== undefined && options.iamCredentials
          ? await verifySigV4({ method: 'POST', path: '/graphql', headers, body }, options.iamCredentials)
          : undefined;
      return identity
        ? { mode: 'AWS_IAM', identity }
        : unauthorized('The request signature we calculated does not match the signature you provided.');
    }
    if (authorization) {
      const token = authorization.replace(/^Bearer\s+/i, '').trim();
      try {
        return { mode: 'OPENID_CONNECT', identity: await options.verifyToken(token) };
      } catch (error) {
        return unauthorized(
          error instanceof TokenRejected && error.unparseable
            ? 'Unable to parse JWT token.'
            : 'Valid authorization header not provided.',
        );
      }
    }
    const apiKey = headers['x-api-key'];
    if (apiKey !== undefined) {
      return options.isValidApiKey(apiKey)
        ? { mode: 'API_KEY', identity: null }
        : unauthorized('You are not authorized to make this call.');
    }
    return unauthorized();
  }

  /** One POST /graphql request, from raw body and lower-cased headers to an HTTP answer. */
  async function handle(rawBody: string, headers: Record<string, string | undefined>): Promise<HttpAnswer> {
    if (rawBody.trim() === '') return malformedEmpty();
    let request: unknown;
    try {
      request = JSON.parse(rawBody);
    } catch {
      return malformedQuery();
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) return malformedQuery();
    const { query, variables, operationName } = request as {
      query?: unknown;
      variables?: unknown;
      operationName?: unknown;
    };
    if (typeof query !== 'string' || query.trim() === '') return malformedQuery();
    if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables)))
      return malformedQuery();
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
      return malformedQuery();

    const auth = await authenticate(headers, rawBody);
    if ('status' in auth) return auth;

    const prepared = prepare(query);
    if (!prepared) return malformedQuery();
    if (prepared.errors.length) return validationAnswer(prepared.errors, prepared.document);

    const operations = prepared.document.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    const operation = operationName
      ? operations.find((op) => op.name?.value === operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
    if (!operation)
      return validationAnswer([
        new GraphQLError(
          operationName
            ? `Unknown operation named "${String(operationName)}".`
            : 'Must provide operation name if query contains multiple operations.',
        ),
      ]);
    if (operation.operation === OperationTypeNode.SUBSCRIPTION)
      return limitAnswer(
        'UnsupportedOperation',
        'Subscriptions are served over the real-time WebSocket endpoint, not HTTP POST.',
      );

    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of prepared.document.definitions)
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    const variableValues = (variables ?? {}) as Record<string, unknown>;
    // Introspection is resolved by graphql-js itself (the field resolver never sees it), so its depth
    // is checked here; the whole request is refused with the same error type (local difference).
    if (queryDepthLimit > 0 && introspectionDepth(operation, fragments) > queryDepthLimit)
      return limitAnswer(depthLimitErrorType, depthLimitMessage(queryDepthLimit));

    const forwarded: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(headers)) if (!WITHHELD_HEADERS.has(name)) forwarded[name] = value;

    const mutations: { fieldName: string; responseKey: string }[] = [];
    const result = await execute({
      schema,
      document: prepared.document,
      operationName: operation.name?.value ?? null,
      variableValues,
      contextValue: {
        mode: auth.mode,
        mutations,
        identity: auth.identity,
        headers: forwarded,
        variables: variableValues,
        resolvers: new ResolverBudget(resolverCountLimit > 0 ? resolverCountLimit : 10_000),
      } satisfies RequestContext,
      fieldResolver,
    });
    if (!('data' in result) || result.data === undefined) {
      // Variable coercion failed: AppSync answers as a validation error.
      return validationAnswer(result.errors ?? [], prepared.document);
    }
    // AppSync publishes a mutation's answer (its selection set, as the caller asked for it) to the
    // subscriptions that name the mutation in @aws_subscribe; a field that failed publishes nothing.
    for (const { fieldName, responseKey } of mutations) {
      const value = result.data?.[responseKey];
      if (value !== null && value !== undefined) options.onMutation?.({ fieldName, value });
    }
    const body: Record<string, unknown> = { data: result.data };
    if (result.errors?.length) body.errors = result.errors.map(executionErrorEntry);
    return { status: 200, body: JSON.stringify(body) };
  }

  const subscribeDirective = schema.getDirective('aws_subscribe') as GraphQLDirective;

  /**
   * One `start` of AppSync's real-time protocol: authenticates with the headers the client put in
   * `extensions.authorization`, validates the subscription, checks the field's auth modes and runs
   * the field's resolver when the domain map names one (AppSync's subscription resolver: an error
   * refuses the subscription, which is where thread membership is enforced). Answers the prepared
   * subscription or the error entries AppSync sends in an `error` message.
   */
  async function startSubscription(
    request: { query?: unknown; variables?: unknown },
    headers: Record<string, string | undefined>,
  ): Promise<{ subscription: PreparedSubscription } | { errors: SubscriptionErrorEntry[] }> {
    const refused = (errorType: string, message: string) => ({ errors: [{ errorType, message }] });
    const auth = await authenticate(headers);
    if ('status' in auth) {
      const body = JSON.parse(auth.body) as { errors: SubscriptionErrorEntry[] };
      return { errors: body.errors.map((entry) => ({ ...entry, errorCode: auth.status })) };
    }
    if (typeof request.query !== 'string')
      return refused('MalformedHttpRequestException', 'Unable to parse GraphQL query.');
    const prepared = prepare(request.query);
    if (!prepared) return refused('MalformedHttpRequestException', 'Unable to parse GraphQL query.');
    if (prepared.errors.length)
      return { errors: prepared.errors.map((error) => ({ errorType: 'ValidationError', message: error.message })) };
    const operations = prepared.document.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    const operation = operations.length === 1 ? operations[0] : undefined;
    if (operation?.operation !== OperationTypeNode.SUBSCRIPTION)
      return refused('UnsupportedOperation', 'Only one subscription operation may be started.');
    const roots = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
    if (roots.length !== 1 || operation.selectionSet.selections.length !== 1)
      return refused('UnsupportedOperation', 'A subscription selects exactly one root field.');
    const root = roots[0]!;
    const subscriptionType = schema.getSubscriptionType();
    const definition = subscriptionType?.getFields()[root.name.value];
    const plan = plans.get('Subscription')?.get(root.name.value);
    if (!subscriptionType || !definition || !plan)
      return refused('ValidationError', `Field '${root.name.value}' in type 'Subscription' is undefined`);
    if (!plan.modes.has(auth.mode))
      return refused('Unauthorized', `Not Authorized to access ${root.name.value} on type Subscription`);

    // Coerces the variables and captures the root field's arguments exactly as graphql-js resolves them.
    const variableValues =
      request.variables && typeof request.variables === 'object' && !Array.isArray(request.variables)
        ? (request.variables as Record<string, unknown>)
        : {};
    let args: Record<string, unknown> | undefined;
    const coerced = await execute({
      schema,
      document: prepared.document,
      variableValues,
      fieldResolver: (_source, fieldArgs: Record<string, unknown>, _context, info) => {
        if (info.path.prev === undefined) args = fieldArgs;
        return null;
      },
    });
    if (!args) {
      const message = coerced.errors?.[0]?.message ?? 'Invalid subscription arguments.';
      return refused('ValidationError', message);
    }
    const domain = plan.domain;
    if (domain) {
      const forwarded: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(headers)) if (!WITHHELD_HEADERS.has(name)) forwarded[name] = value;
      try {
        const outcome = await execute({
          schema,
          document: prepared.document,
          variableValues,
          contextValue: {
            mode: auth.mode,
            identity: auth.identity,
            headers: forwarded,
            variables: variableValues,
            resolvers: new ResolverBudget(1),
          } satisfies RequestContext,
          fieldResolver: async (source, fieldArgs: Record<string, unknown>, context: RequestContext, info) => {
            if (info.path.prev !== undefined) return null;
            await dispatchField(domain, source, fieldArgs, context, info);
            return null;
          },
        });
        const error = outcome.errors?.[0];
        if (error) throw error.originalError instanceof GraphQLError ? error.originalError : error;
      } catch (error) {
        const graphqlError = error instanceof GraphQLError ? error : undefined;
        const errorType = graphqlError?.extensions.errorType;
        return refused(
          typeof errorType === 'string' ? errorType : 'Unauthorized',
          graphqlError?.message ?? `Not Authorized to access ${root.name.value} on type Subscription`,
        );
      }
    }
    const triggers = definition.astNode
      ? ((getDirectiveValues(subscribeDirective, definition.astNode)?.mutations as string[] | undefined) ?? [])
      : [];
    return {
      subscription: {
        fieldName: root.name.value,
        args,
        triggers: new Set(triggers),
        document: prepared.document,
        variables: variableValues,
      },
    };
  }

  /**
   * The `data` payload a subscription receives for one mutation, or null when it does not apply:
   * the mutation is not one it subscribes to, or an argument it gave differs from the same-named
   * field of the mutation's answer (AppSync's argument filtering).
   */
  async function render(
    subscription: PreparedSubscription,
    publication: MutationPublication,
  ): Promise<Record<string, unknown> | null> {
    if (!subscription.triggers.has(publication.fieldName)) return null;
    const value = publication.value as Record<string, unknown>;
    for (const [name, expected] of Object.entries(subscription.args)) {
      if (expected === null || expected === undefined) continue;
      if (value[name] !== expected) return null;
    }
    const result = await execute({
      schema,
      document: subscription.document,
      variableValues: subscription.variables,
      rootValue: { [subscription.fieldName]: value },
    });
    return result.data ?? null;
  }

  /** Local-only: the emulated API cache on or off (perf:local's uncached rows; see ApiCache.setEnabled). */
  const setApiCacheEnabled = (enabled: boolean) => apiCache.setEnabled(enabled);

  return { handle, schema, authenticate, startSubscription, render, setApiCacheEnabled };
}

export interface PreparedSubscription {
  readonly fieldName: string;
  readonly args: Record<string, unknown>;
  /** Mutation field names from @aws_subscribe(mutations: [...]). */
  readonly triggers: ReadonlySet<string>;
  readonly document: DocumentNode;
  readonly variables: Record<string, unknown>;
}

export interface SubscriptionErrorEntry {
  readonly errorType: string;
  readonly message: string;
  readonly errorCode?: number;
}

export type GraphqlGateway = ReturnType<typeof createGraphqlGateway>;
