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

/** Ajv plugin for BoundedInteger's keyword: 400 `must be an integer from <min> to <max>`. */
export function boundedIntegerKeyword(ajv: Ajv): Ajv {
  return ajv.addKeyword({
    keyword: BOUNDED,
    schemaType: 'boolean',
    errors: true,
    compile(_enabled: boolean, parent: AnySchemaObject) {
      const { minimum, maximum } = parent as { minimum: number; maximum: number };
      const error: Partial<ErrorObject> = { keyword: BOUNDED, message: `must be an integer from ${minimum} to ${maximum}`, params: { minimum, maximum } };
      const check = (data: unknown): boolean => {
        const ok = typeof data !== 'number' || (Number.isSafeInteger(data) && data >= minimum && data <= maximum);
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
