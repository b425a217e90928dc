// Schemas shared by every route module: error body, pagination, bounded integer parameters.
import { Type, type Static } from 'typebox';
import type { Ajv, AnySchemaObject, ErrorObject } from 'ajv';

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'machine-readable error code, e.g. validation_failed, station_offline' }),
    message: Type.String({ description: 'what is wrong, for a person' }),
    details: Type.Optional(Type.Unknown()),
    requestId: Type.String(),
  },
  { $id: 'ErrorBody', title: 'Error' },
);

/** The error responses every authenticated route may give. */
export const standardErrors = {
  400: Type.Ref('ErrorBody'),
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  429: Type.Ref('ErrorBody'),
};

const BOUNDED = 'x-bounded';

/**
 * An integer query or path parameter within [minimum, maximum]. Ajv's string coercion turns
 * `Infinity` and `1e309` into Infinity and then skips minimum/maximum for a number that is not
 * finite, so the value reached SQL and answered 500. The `x-bounded` keyword (registered on the
 * HTTP server's Ajv by boundedIntegerKeyword) checks the coerced value and says what is allowed.
 */
export function BoundedInteger(opts: { minimum: number; maximum: number; default?: number; description?: string }) {
  return Type.Integer({ ...opts, [BOUNDED]: true });
}

/** A number query parameter within [minimum, maximum], finite (see BoundedInteger: Infinity got past maximum). */
export function BoundedNumber(opts: { minimum: number; maximum: number; default?: number; description?: string }) {
  return Type.Number({ ...opts, [BOUNDED]: true });
}

/** The largest integer OCPP 1.6 carries (connectorId, ids, ...: a signed 32-bit integer). */
export const MAX_INT32 = 2_147_483_647;

/** A connector id in a path or query: 0 (the charge point as a whole) or 1 (a connector proper) up to MAX_INT32. */
export const ConnectorIdInteger = (minimum: 0 | 1, description?: string) => BoundedInteger({ minimum, maximum: MAX_INT32, ...(description ? { description } : {}) });

/** Ajv plugin for BoundedInteger's and BoundedNumber's keyword: 400 `must be an integer (a number) from <min> to <max>`. */
export function boundedIntegerKeyword(ajv: Ajv): Ajv {
  return ajv.addKeyword({
    keyword: BOUNDED,
    schemaType: 'boolean',
    errors: true,
    compile(_enabled: boolean, parent: AnySchemaObject) {
      const { minimum, maximum, type } = parent as { minimum: number; maximum: number; type?: string };
      const integer = type !== 'number';
      const error: Partial<ErrorObject> = { keyword: BOUNDED, message: `must be ${integer ? 'an integer' : 'a number'} from ${minimum} to ${maximum}`, params: { minimum, maximum } };
      const check = (data: unknown): boolean => {
        const ok = typeof data !== 'number' || ((integer ? Number.isSafeInteger(data) : Number.isFinite(data)) && data >= minimum && data <= maximum);
        check.errors = ok ? undefined : [error];
        return ok;
      };
      check.errors = undefined as Partial<ErrorObject>[] | undefined;
      return check;
    },
  });
}

/** Highest `offset` accepted: any row count a list can have, and still an exact integer for SQL. */
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

export const PageQuery = Type.Object({
  limit: Type.Optional(BoundedInteger({ minimum: 1, maximum: 1000, default: 50, description: 'page size' })),
  offset: Type.Optional(BoundedInteger({ minimum: 0, maximum: MAX_OFFSET, default: 0, description: 'rows to skip' })),
});
export type PageQuery = Static<typeof PageQuery>;

/** `{ items, total, limit, offset }` around a list of T. */
export function Page<T extends Parameters<typeof Type.Array>[0]>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ description: 'rows matching the filters' }),
    limit: Type.Integer(),
    offset: Type.Integer(),
  });
}

export const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }) });
export const NumericIdParam = Type.Object({ id: BoundedInteger({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
