// REST endpoints of the authorization module: tokens (idTags), their CSV import and export,
// and the tokens chargers presented that Plugboard did not know.
import { pipeline, Readable } from 'node:stream';
import { Type, type Static } from 'typebox';
import type { Selectable } from 'kysely';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../context.ts';
import type { IdTag, UnknownIdTagsTable } from '../../db/schema.ts';
import type { Api } from '../../http/types.ts';
import { badRequest, conflict, notFound } from '../../http/errors.ts';
import { Page, PageQuery, standardErrors } from '../../http/schemas.ts';
import { toIsoTimestamp } from '../../time.ts';
import { DateTime, Nullable, parseSort, SortQuery } from '../../http/list-query.ts';
import { csvWriter } from '../../http/csv.ts';
import { MAX_ID_TAG_LENGTH, TOKEN_CSV_COLUMNS, TOKEN_TYPE_VALUES, TokenCsvError } from './csv-import.ts';

const TOKEN_SORT = { idTag: 'id_tag', parentIdTag: 'parent_id_tag', status: 'status', expiryDate: 'expiry_date', createdAt: 'created_at', updatedAt: 'updated_at' } as const;
const UNKNOWN_SORT = { idTag: 'id_tag', firstSeenAt: 'first_seen_at', lastSeenAt: 'last_seen_at', count: 'count' } as const;
const IMPORT_LIMIT_BYTES = 20 * 1024 * 1024;

// OCPP 1.6 IdToken: CiString20Type.
const IdTagString = (description: string) => Type.String({ minLength: 1, maxLength: MAX_ID_TAG_LENGTH, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description });
const TokenStatus = Type.Union([Type.Literal('Accepted'), Type.Literal('Blocked'), Type.Literal('Expired'), Type.Literal('Invalid')]);
type TokenTypeValue = (typeof TOKEN_TYPE_VALUES)[number];
const TYPE_DESCRIPTION = 'OCPP 2.0.1 IdTokenEnumType; null = untyped: matches its value of any type (and every 1.6 idTag)';
const NullableTokenType = () => Type.Unsafe<TokenTypeValue | null>({ type: ['string', 'null'], enum: [...TOKEN_TYPE_VALUES, null], description: TYPE_DESCRIPTION });

const Token = Type.Object(
  {
    idTag: Type.String(),
    parentIdTag: Nullable(Type.String({ description: 'group: tokens with the same parent count as one for concurrency' })),
    status: TokenStatus,
    expiryDate: Nullable(DateTime('after this the token answers Expired')),
    allowConcurrent: Type.Boolean({ description: 'may be used in more than one transaction at a time' }),
    type: NullableTokenType(),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { title: 'Token' },
);

const TokenFields = {
  parentIdTag: Type.Optional(Nullable(IdTagString('parent (group) idTag'))),
  status: Type.Optional(TokenStatus),
  expiryDate: Type.Optional(Nullable(DateTime())),
  allowConcurrent: Type.Optional(Type.Boolean()),
  type: Type.Optional(NullableTokenType()),
};

const UnknownToken = Type.Object({
  idTag: Type.String(),
  firstSeenAt: DateTime(),
  lastSeenAt: DateTime(),
  lastStationId: Type.String({ description: 'the charger that presented it last' }),
  count: Type.Integer({ description: 'how often chargers presented it (Authorize, StartTransaction)' }),
});

const ImportResult = Type.Object({
  rows: Type.Integer({ description: 'data rows in the file' }),
  created: Type.Integer(),
  updated: Type.Integer(),
  failed: Type.Integer(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), idTag: Nullable(Type.String()), message: Type.String() }), { description: 'the first 1,000 problems' }),
});

const TokenParam = Type.Object({ idTag: Type.String({ minLength: 1, maxLength: MAX_ID_TAG_LENGTH }) });
const withErrors = (codes: number[]) => Object.fromEntries(codes.map((c) => [c, Type.Ref('ErrorBody')]));

export function toToken(t: IdTag): Static<typeof Token> {
  return {
    idTag: t.id_tag,
    parentIdTag: t.parent_id_tag,
    status: t.status,
    expiryDate: t.expiry_date,
    allowConcurrent: t.allow_concurrent === 1,
    type: (t.type ?? null) as TokenTypeValue | null,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
}

function toUnknownToken(r: Selectable<UnknownIdTagsTable>): Static<typeof UnknownToken> {
  return { idTag: r.id_tag, firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at, lastStationId: r.last_station_id, count: Number(r.count) };
}

const isoOrNull = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : toIsoTimestamp(v));

export async function registerRoutes(api: Api, ctx: AppContext): Promise<void> {
  const auth = () => ctx.services.authorization;
  const tags = ['Tokens'];

  api.get('/tokens', {
    schema: {
      tags,
      summary: 'List tokens (idTags)',
      querystring: Type.Object({
        ...PageQuery.properties,
        status: Type.Optional(TokenStatus),
        type: Type.Optional(Type.Unsafe<TokenTypeValue | 'none'>({ type: 'string', enum: [...TOKEN_TYPE_VALUES, 'none'], description: "only tokens of this type ('none': untyped)" })),
        parent: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_ID_TAG_LENGTH, description: 'only tokens with this parentIdTag' })),
        search: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'substring of the idTag or parentIdTag (case-insensitive)' })),
        sort: SortQuery(Object.keys(TOKEN_SORT), 'idTag'),
      }),
      response: { 200: Page(Token), ...standardErrors },
    },
  }, async (req) => {
    const { limit = 50, offset = 0, sort, parent, ...filter } = req.query;
    const page = await auth().listPage({ ...filter, parentIdTag: parent }, parseSort(sort, TOKEN_SORT, 'idTag'), { limit, offset });
    return { items: page.items.map(toToken), total: page.total, limit, offset };
  });

  // Static paths win over /tokens/:idTag in Fastify's router, so "export.csv" is never an idTag lookup.
  api.get('/tokens/export.csv', {
    schema: {
      tags,
      summary: 'Export every token as CSV (the import format), streamed',
      description: 'A cell a spreadsheet would take for a formula (starting with = + - @, tab or CR) is prefixed with an apostrophe; the import removes it again, so the export imports back unchanged.',
      response: { 200: { description: `CSV with the header ${TOKEN_CSV_COLUMNS.join(',')}`, content: { 'text/csv': { schema: Type.String() } } }, ...standardErrors },
    },
  }, async (_req, reply) => {
    const rows = Readable.from(
      (async function* () {
        for await (const t of auth().allTokens()) {
          yield [t.id_tag, t.parent_id_tag ?? '', t.status, t.expiry_date ?? '', t.allow_concurrent === 1 ? 'true' : 'false', t.type ?? ''];
        }
      })(),
    );
    const csv = pipeline(rows, csvWriter(TOKEN_CSV_COLUMNS), (err) => {
      if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') ctx.log.error({ err }, 'token export failed');
    });
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="tokens.csv"').send(csv);
  });

  api.get('/tokens/:idTag', {
    schema: { tags, summary: 'A token', params: TokenParam, response: { 200: Token, ...withErrors([404]), ...standardErrors } },
  }, async (req) => {
    const t = await auth().getToken(req.params.idTag);
    if (!t) throw notFound(`token ${req.params.idTag}`);
    return toToken(t);
  });

  api.post('/tokens', {
    schema: {
      tags,
      summary: 'Create a token (409 if the idTag exists)',
      body: Type.Object({ idTag: IdTagString('the token id (RFID UID, app token ...)'), ...TokenFields }, { additionalProperties: false }),
      response: { 201: Token, ...withErrors([409]), ...standardErrors },
    },
  }, async (req, reply) => {
    const created = await auth().createToken({ ...req.body, expiryDate: isoOrNull(req.body.expiryDate) });
    if (!created) throw conflict(`token ${req.body.idTag} already exists`);
    return reply.code(201).send(toToken(created));
  });

  api.patch('/tokens/:idTag', {
    schema: {
      tags,
      summary: 'Change status, expiry, parent (group), concurrency or type',
      params: TokenParam,
      body: Type.Object(TokenFields, { additionalProperties: false, minProperties: 1 }),
      response: { 200: Token, ...withErrors([404]), ...standardErrors },
    },
  }, async (req) => {
    const t = await auth().updateToken(req.params.idTag, { ...req.body, expiryDate: isoOrNull(req.body.expiryDate) });
    if (!t) throw notFound(`token ${req.params.idTag}`);
    return toToken(t);
  });

  for (const [verb, status] of [['block', 'Blocked'], ['unblock', 'Accepted']] as const) {
    api.post(`/tokens/:idTag/${verb}`, {
      schema: { tags, summary: `Set the token's status to ${status}`, params: TokenParam, response: { 200: Token, ...withErrors([404]), ...standardErrors } },
    }, async (req) => {
      const t = await auth().updateToken(req.params.idTag, { status });
      if (!t) throw notFound(`token ${req.params.idTag}`);
      return toToken(t);
    });
  }

  api.delete('/tokens/:idTag', {
    schema: { tags, summary: 'Delete a token', params: TokenParam, response: { 204: Type.Null(), ...withErrors([404]), ...standardErrors } },
  }, async (req, reply) => {
    if ((await auth().deleteToken(req.params.idTag)) === 0) throw notFound(`token ${req.params.idTag}`);
    return reply.code(204).send(null);
  });

  // The CSV parser is registered in this scope only: everywhere else text/csv stays unsupported (415).
  await api.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scope.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_LIMIT_BYTES }, (_req, body, done) => done(null, body));
    scope.post('/tokens/import', {
      bodyLimit: IMPORT_LIMIT_BYTES,
      schema: {
        tags,
        summary: 'Import tokens from CSV: valid rows are created or updated, invalid rows reported by line',
        description:
          `Content-Type: text/csv. A header row is required; columns: ${TOKEN_CSV_COLUMNS.join(', ')} (idTag required, the others optional). ` +
          'A column left out of the header leaves that field unchanged on existing tokens. Empty cells: no parent, status Accepted, no expiry, allowConcurrent false.',
        consumes: ['text/csv'],
        body: Type.String({ description: 'the CSV file' }),
        response: { 200: ImportResult, ...standardErrors },
      },
    }, async (req) => {
      try {
        return await auth().importCsv(req.body);
      } catch (err) {
        if (err instanceof TokenCsvError) throw badRequest(err.message, { line: err.line });
        throw err;
      }
    });
  });

  api.get('/unknown-tokens', {
    schema: {
      tags,
      summary: 'idTags chargers presented that Plugboard does not know',
      querystring: Type.Object({ ...PageQuery.properties, sort: SortQuery(Object.keys(UNKNOWN_SORT), '-lastSeenAt') }),
      response: { 200: Page(UnknownToken), ...standardErrors },
    },
  }, async (req) => {
    const { limit = 50, offset = 0, sort } = req.query;
    const page = await auth().unknownTokensPage(parseSort(sort, UNKNOWN_SORT, '-lastSeenAt'), { limit, offset });
    return { items: page.items.map(toUnknownToken), total: page.total, limit, offset };
  });
}
