/**
 * The machinery of versioned event contracts: an event type is defined once with a zod schema per
 * payload version, and a catalog of them builds (producers), parses (consumers), converts between
 * versions (partner webhooks ship one version behind; archived events are replayed) and describes
 * itself as JSON Schema (search, webhooks, analytics). The events themselves are in catalog.ts.
 *
 * Rules a definition follows:
 *  - a payload is a flat-ish JSON object without transforms or defaults, so what a producer builds
 *    is exactly what goes on the wire and what the JSON Schema says;
 *  - producers may send only declared fields (strict); consumers ignore fields they do not know, so
 *    adding an optional field is compatible within a version;
 *  - anything else (a field removed, renamed, retyped, made required) is a new version with an
 *    `upgrade` from the previous payload and a `downgrade` back to it. Old versions stay defined.
 */
import * as z from 'zod';
import { idPattern } from '../ids.ts';

/** `media.uploaded`, `feature_flag.changed`: dot-separated lower snake case (the outbox CHECK). */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** Every payload is a JSON object. */
export type PayloadSchema = z.ZodObject;

export interface Aggregate {
  readonly type: string;
  readonly id: string;
}

/** One version of one event type's payload. */
export interface EventVersion {
  readonly version: number;
  readonly payload: PayloadSchema;
  /** The previous version's payload to this one's (events in flight during a deploy, archive replays). */
  readonly upgrade?: (previous: never) => unknown;
  /** This version's payload to the previous one's (partner webhooks ship one version behind). */
  readonly downgrade?: (current: never) => unknown;
}

/** An event type: its description, every version of its payload (oldest first), and its aggregate. */
export class EventDefinition<T extends string = string, S extends PayloadSchema = PayloadSchema> {
  private constructor(
    readonly type: T,
    readonly description: string,
    readonly versions: readonly EventVersion[],
    /** Which aggregate an event is about, from its current payload (outbox columns, EventBridge source). */
    readonly aggregate: (payload: z.output<S>) => Aggregate,
  ) {}

  static define<T extends string, S extends PayloadSchema>(spec: {
    readonly type: T;
    readonly description: string;
    readonly payload: S;
    readonly aggregate: (payload: z.output<S>) => Aggregate;
  }): EventDefinition<T, S> {
    if (!EVENT_TYPE_PATTERN.test(spec.type)) throw new Error(`event type "${spec.type}" is not dotted snake case`);
    return new EventDefinition(spec.type, spec.description, [{ version: 1, payload: spec.payload }], spec.aggregate);
  }

  /** The next version: its payload schema and the conversions to and from the current one. */
  evolve<S2 extends PayloadSchema>(spec: {
    readonly payload: S2;
    readonly upgrade: (previous: z.output<S>) => z.input<S2>;
    readonly downgrade: (current: z.output<S2>) => z.input<S>;
    readonly aggregate: (payload: z.output<S2>) => Aggregate;
    readonly description?: string;
  }): EventDefinition<T, S2> {
    const next: EventVersion = {
      version: this.currentVersion + 1,
      payload: spec.payload,
      upgrade: spec.upgrade,
      downgrade: spec.downgrade,
    };
    return new EventDefinition(
      this.type,
      spec.description ?? this.description,
      [...this.versions, next],
      spec.aggregate,
    );
  }

  get currentVersion(): number {
    return this.versions.length;
  }

  /** The schema of the version producers emit. */
  get current(): S {
    return this.versions[this.versions.length - 1]!.payload as S;
  }

  schemaOf(version: number): PayloadSchema | undefined {
    return this.versions[version - 1]?.payload;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any payload schema; the catalog keeps each one's own type
export type AnyEventDefinition = EventDefinition<string, any>;

/** The catalog's map from type to definition, derived from the list it was given. */
export type DefinitionMap<D extends readonly AnyEventDefinition[]> = { [E in D[number] as E['type']]: E };

type SchemaOf<E> = E extends EventDefinition<string, infer S> ? S : never;
export type PayloadOf<E> = z.output<SchemaOf<E>>;
export type PayloadInputOf<E> = z.input<SchemaOf<E>>;

/** Why an event was refused; stable codes for log searches and alarms. */
export type EventContractErrorCode =
  | 'EVENT.INVALID_ENVELOPE'
  | 'EVENT.UNKNOWN_TYPE'
  | 'EVENT.UNSUPPORTED_VERSION'
  | 'EVENT.INVALID_PAYLOAD'
  | 'EVENT.NOT_ROUTED';

/** A producer or consumer broke an event contract. Never retried into success: a bug or a deploy gap. */
export class EventContractError extends Error {
  override readonly name = 'EventContractError';

  constructor(
    readonly code: EventContractErrorCode,
    message: string,
    readonly details: { readonly type?: string; readonly version?: number; readonly eventId?: string } = {},
  ) {
    super(message);
  }
}

/** Issues as `path: message`; zod's messages name expectations and keys, never the values (no PII in logs). */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/** An event as it travels (EventBridge `detail`, the in-process bus): the payload not yet parsed. */
export const eventEnvelopeSchema = z.object({
  id: z.string().regex(idPattern('event')),
  type: z.string().regex(EVENT_TYPE_PATTERN),
  // Events relayed before versioning existed carry no version; they were all version 1.
  version: z.number().int().min(1).default(1),
  aggregateType: z.string().min(1),
  aggregateId: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  correlationId: z.string().optional(),
  payload: z.unknown(),
});
export type EventEnvelope = z.output<typeof eventEnvelopeSchema>;

/** What a producer hands the outbox: a catalog event at its current version, payload validated. */
export interface OutboxEvent<T extends string = string, P = unknown> {
  readonly type: T;
  readonly version: number;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly payload: P;
}

/** What a consumer receives: the envelope with the payload parsed (and upgraded) to the current version. */
export interface ParsedEvent<T extends string = string, P = unknown> extends OutboxEvent<T, P> {
  readonly id: string;
  readonly occurredAt: string;
  readonly correlationId?: string;
}

export class EventCatalog<M extends Record<string, AnyEventDefinition>> {
  private readonly definitions: ReadonlyMap<string, AnyEventDefinition>;

  constructor(definitions: readonly AnyEventDefinition[]) {
    const map = new Map<string, AnyEventDefinition>();
    for (const definition of definitions) {
      if (map.has(definition.type)) throw new Error(`event type "${definition.type}" is defined twice`);
      map.set(definition.type, definition);
    }
    this.definitions = map;
  }

  get types(): (keyof M & string)[] {
    return [...this.definitions.keys()];
  }

  has(type: string): type is keyof M & string {
    return this.definitions.has(type);
  }

  definition<T extends keyof M & string>(type: T): M[T] {
    const definition = this.definitions.get(type);
    if (!definition) throw new EventContractError('EVENT.UNKNOWN_TYPE', `Unknown event type "${type}"`, { type });
    return definition as M[T];
  }

  /**
   * The producer's side: validates the payload against the current version (declared fields only)
   * and derives the aggregate. Throws on anything that does not parse, so the producer's transaction
   * rolls back instead of committing an event no consumer could read.
   */
  build<T extends keyof M & string>(type: T, payload: PayloadInputOf<M[T]>): OutboxEvent<T, PayloadOf<M[T]>> {
    const definition: EventDefinition = this.definition(type);
    const result = definition.current.strict().safeParse(payload);
    if (!result.success)
      throw new EventContractError(
        'EVENT.INVALID_PAYLOAD',
        `${type} v${definition.currentVersion} payload does not match the event catalog: ${describeIssues(result.error)}`,
        { type, version: definition.currentVersion },
      );
    const parsed = result.data as PayloadOf<M[T]>;
    const aggregate = definition.aggregate(parsed);
    return {
      type,
      version: definition.currentVersion,
      aggregateType: aggregate.type,
      aggregateId: aggregate.id,
      payload: parsed,
    };
  }

  /**
   * The consumer's side: an envelope (already shaped by `eventEnvelopeSchema`) becomes a typed event
   * at the current version, or an `EventContractError` says why not (unknown type, a version this
   * code does not know yet, a payload that does not match its version's schema).
   */
  parse(envelope: EventEnvelope): ParsedEventOf<M> {
    const meta = { type: envelope.type, version: envelope.version, eventId: envelope.id };
    if (!this.definitions.has(envelope.type))
      throw new EventContractError('EVENT.UNKNOWN_TYPE', `Unknown event type "${envelope.type}"`, meta);
    const definition = this.definitions.get(envelope.type)!;
    const schema = definition.schemaOf(envelope.version);
    if (!schema)
      throw new EventContractError(
        'EVENT.UNSUPPORTED_VERSION',
        `${envelope.type} v${envelope.version} is not in the event catalog (known: v1..v${definition.currentVersion})`,
        meta,
      );
    let payload = this.parsePayload(schema, envelope.payload, envelope.type, envelope.version, meta);
    for (let version = envelope.version + 1; version <= definition.currentVersion; version++) {
      const step = definition.versions[version - 1]!;
      const upgraded = (step.upgrade as (previous: unknown) => unknown)(payload);
      payload = this.parsePayload(step.payload, upgraded, envelope.type, version, meta);
    }
    return {
      id: envelope.id,
      type: envelope.type,
      version: definition.currentVersion,
      aggregateType: envelope.aggregateType,
      aggregateId: envelope.aggregateId,
      occurredAt: envelope.occurredAt,
      ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
      payload,
    } as ParsedEventOf<M>;
  }

  /**
   * The payload of an event at an older version (or the current one), by the definitions'
   * downgrades; what partner webhooks ship while partners are one version behind.
   */
  toVersion<T extends keyof M & string>(
    event: Pick<OutboxEvent<T>, 'type' | 'version' | 'payload'>,
    version: number,
  ): { readonly version: number; readonly payload: unknown } {
    const definition = this.definition(event.type);
    if (!definition.schemaOf(version) || version > event.version)
      throw new EventContractError(
        'EVENT.UNSUPPORTED_VERSION',
        `${event.type} cannot be converted from v${event.version} to v${version}`,
        { type: event.type, version },
      );
    let payload: unknown = event.payload;
    for (let from = event.version; from > version; from--) {
      const step = definition.versions[from - 1]!;
      payload = this.parsePayload(
        definition.schemaOf(from - 1)!,
        (step.downgrade as (current: unknown) => unknown)(payload),
        event.type,
        from - 1,
        { type: event.type, version: from - 1 },
      );
    }
    return { version, payload };
  }

  /** The version before an event's (null at v1): the one partner webhooks still ship. */
  previousVersion(type: keyof M & string, version = this.definition(type).currentVersion): number | null {
    return version > 1 ? version - 1 : null;
  }

  private parsePayload(
    schema: PayloadSchema,
    payload: unknown,
    type: string,
    version: number,
    meta: EventContractError['details'],
  ): unknown {
    const result = schema.safeParse(payload);
    if (!result.success)
      throw new EventContractError(
        'EVENT.INVALID_PAYLOAD',
        `${type} v${version} payload does not match the event catalog: ${describeIssues(result.error)}`,
        meta,
      );
    return result.data;
  }

  /** Every definition, sorted by type (for describing the catalog, e.g. as JSON Schema). */
  get allDefinitions(): readonly AnyEventDefinition[] {
    return [...this.definitions.values()].sort((a, b) => a.type.localeCompare(b.type));
  }
}

/** A parsed event of any type in catalog M, discriminated by `type`. */
export type ParsedEventOf<
  M extends Record<string, AnyEventDefinition>,
  T extends keyof M & string = keyof M & string,
> = {
  [K in T]: ParsedEvent<K, PayloadOf<M[K]>>;
}[T];

export function createEventCatalog<const D extends readonly AnyEventDefinition[]>(
  definitions: D,
): EventCatalog<DefinitionMap<D>> {
  return new EventCatalog<DefinitionMap<D>>(definitions);
}
