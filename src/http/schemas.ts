// Schemas shared by every route module: error body, pagination.
import { Type, type Static } from 'typebox';

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

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'page size' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'rows to skip' })),
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
export const NumericIdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });
