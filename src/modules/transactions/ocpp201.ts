// The transactions module's OCPP 2.0.1 handlers: TransactionEvent (E) and MeterValues (J),
// translated into the version-neutral service (ADR 0014). Answered once committed.
import type { AppContext } from '../../context.ts';
import type { StationToCsms201 } from '../../protocol/ocpp201.ts';

type IdTokenInfo = NonNullable<StationToCsms201['TransactionEvent']['res']['idTokenInfo']>;

export function registerOcpp201(ctx: AppContext): void {
  const tx = () => ctx.services.transactions;

  ctx.ocpp201.on('TransactionEvent', async (req, session) => {
    const { idTokenInfo } = await tx().transactionEvent(session.stationId, req);
    return idTokenInfo ? { idTokenInfo: idTokenInfo as IdTokenInfo } : {};
  });

  ctx.ocpp201.on('MeterValues', async (req, session) => {
    await tx().meterValues201(session.stationId, req);
    return {};
  });
}
