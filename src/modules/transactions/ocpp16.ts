import type { AppContext } from '../../context.ts';

export function registerOcpp16(ctx: AppContext): void {
  const tx = () => ctx.services.transactions;

  ctx.ocpp16.on('StartTransaction', async (req, session) => {
    const { transactionId, idTagInfo } = await tx().start(session.stationId, req);
    return { transactionId, idTagInfo };
  });

  ctx.ocpp16.on('StopTransaction', async (req, session) => {
    const { idTagInfo } = await tx().stop(session.stationId, req);
    return idTagInfo ? { idTagInfo } : {};
  });

  ctx.ocpp16.on('MeterValues', async (req, session) => {
    await tx().meterValues(session.stationId, req);
    return {};
  });
}
