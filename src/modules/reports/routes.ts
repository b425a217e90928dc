// REST endpoints of the reports module: transaction exports for a date range, streamed.
import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { Api } from '../../http/types.ts';
import { standardErrors } from '../../http/schemas.ts';
import { Nullable, timeRange } from '../../http/list-query.ts';
import { REPORT_COLUMNS, reportCsv, reportJson } from './transactions-report.ts';

const ReportQuery = Type.Object({
  from: Type.String({ format: 'date-time', description: 'transactions that started at or after this instant (ISO-8601)' }),
  to: Type.String({ format: 'date-time', description: 'and before this instant' }),
  stationId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});

const ReportRowSchema = Type.Object({
  transactionId: Type.Integer(),
  stationId: Type.String(),
  connectorId: Type.Integer(),
  idTag: Type.String(),
  startTimestamp: Type.String({ format: 'date-time' }),
  stopTimestamp: Nullable(Type.String({ format: 'date-time' })),
  energyKWh: Nullable(Type.String({ pattern: '^-?\\d+\\.\\d{3}$', description: 'kWh, three decimals, as a string; null while running' })),
  durationSeconds: Nullable(Type.Integer()),
  stopReason: Nullable(Type.String()),
});

const fileName = (from: string, to: string, ext: string) => `transactions_${from.slice(0, 10)}_${to.slice(0, 10)}.${ext}`;

export function registerRoutes(api: Api, ctx: AppContext): void {
  const tags = ['Reports'];
  const rowsFor = (q: { from: string; to: string; stationId?: string }) => {
    const { from, to } = timeRange(q) as { from: string; to: string };
    return { from, to, rows: ctx.services.transactions.startedBetween({ from, to, stationId: q.stationId }) };
  };
  const onError = (err: NodeJS.ErrnoException) => {
    // A client that goes away mid-download is not a server error.
    if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') ctx.log.error({ err }, 'transactions report failed while streaming');
  };
  const attachment = (reply: FastifyReply, type: string, name: string) => reply.header('content-type', type).header('content-disposition', `attachment; filename="${name}"`);

  api.get('/reports/transactions.csv', {
    schema: {
      tags,
      summary: 'Transactions started in [from, to) as CSV, streamed',
      description: `Columns: ${REPORT_COLUMNS.join(', ')}. energyKWh has three decimals; running transactions have empty stop, energy and duration. Text a spreadsheet would take for a formula is prefixed with an apostrophe.`,
      querystring: ReportQuery,
      response: { 200: { description: 'CSV', content: { 'text/csv': { schema: Type.String() } } }, ...standardErrors },
    },
  }, async (req, reply) => {
    const { from, to, rows } = rowsFor(req.query);
    return attachment(reply, 'text/csv; charset=utf-8', fileName(from, to, 'csv')).send(reportCsv(rows, onError));
  });

  api.get('/reports/transactions.json', {
    schema: {
      tags,
      summary: 'Transactions started in [from, to) as a JSON array, streamed',
      querystring: ReportQuery,
      response: { 200: { description: 'a JSON array of rows', content: { 'application/json': { schema: Type.Array(ReportRowSchema) } } }, ...standardErrors },
    },
  }, async (req, reply) => {
    const { from, to, rows } = rowsFor(req.query);
    const body = reportJson(rows);
    body.on('error', onError);
    return attachment(reply, 'application/json; charset=utf-8', fileName(from, to, 'json')).send(body);
  });
}
