// The authorization module's 2.0.1 handlers: Authorize (C01) with the idToken and its type,
// answered from the same rules as 1.6 (service.authorizeToken): groupIdToken is the parent.
// Unknown tokens are recorded for the operator as for 1.6.
import type { AppContext } from '../../context.ts';
import { toIdTokenInfo } from './service.ts';

export function registerOcpp201(ctx: AppContext): void {
  ctx.ocpp201.on('Authorize', async (req, session) => {
    const r = await ctx.services.authorization.authorizeToken(
      { value: req.idToken.idToken, type: req.idToken.type },
      { stationId: session.stationId, checkConcurrency: true },
    );
    return { idTokenInfo: toIdTokenInfo(r) };
  });
}
