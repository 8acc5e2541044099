// GET /healthz and GET /readyz.
import { Type, type Static } from 'typebox';

export const HealthResponse = Type.Object({ ok: Type.Literal(true) });
export const ReadyResponse = Type.Object({
  ok: Type.Boolean(),
  checks: Type.Object({ database: Type.Boolean(), stripe: Type.Boolean() }),
});
export type ReadyResponse = Static<typeof ReadyResponse>;
