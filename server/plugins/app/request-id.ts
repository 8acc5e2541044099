// Request ids: a caller's (a proxy's, a load balancer's) `X-Request-Id` is kept when it looks
// like an id, else a UUID is made; every log line of the request carries it (pino's `reqId`) and
// the response echoes it, so one id follows a request through proxy, app and logs.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fp from 'fastify-plugin';

export const REQUEST_ID_HEADER = 'x-request-id';
/** Letters, digits and the punctuation ids use (UUIDs, ULIDs, AWS/GCP trace ids); nothing that could forge a log line. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:=+/-]{1,128}$/;

/** Fastify's `genReqId`: the incoming id when acceptable, else a new UUID. */
export function genReqId(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
}

export default fp(
  async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
    });
  },
  { name: 'request-id' },
);
