import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ErrorBody } from '../../../shared/api.ts';
import { EventsQuery } from '../../../shared/authorizations-api.ts';
import { streamAllowed, type StreamTarget } from '../../domain/stream-access.ts';
import { badRequest } from '../../errors.ts';
import { accountInScope, cardInScope } from './in-scope.ts';

/**
 * GET /api/events?card|account: live activity of a card or an account, as server-sent events fed
 * by the verified webhook (docs/decisions/081-live-activity.md): `ready` once following,
 * `activity` per event (authorizations, transactions, and changes to the card itself), `end`
 * before a planned close.
 */
/** How long a connection that said `end` keeps delivering while the page's next one opens. */
const END_OVERLAP_MS = 5_000;

const events: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Open event streams end when the server closes, so that shutdown does not wait for them.
  const openStreams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of openStreams) end();
  });

  app.get(
    '/events',
    { schema: { querystring: EventsQuery, response: { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (request, reply) => {
      const { card, account, max_seconds: maxSeconds = 55 } = request.query;
      if (!card && !account) throw badRequest('Name the card or the account to follow.', 'card');
      const found = card ? await cardInScope(app, request, card) : undefined;
      const filter = found ? { card: found.card.id } : { account: account! };
      if (!found) await accountInScope(app, request, account!);
      // What the stream's access is checked against while it lasts (issue 17 item 8).
      const target: StreamTarget = found ? { card: found.card.id, account: found.account } : { account: account! };
      const opened = { userId: request.user!.id, role: request.user!.role };

      // The response is written by hand (hijacked), one event at a time; the headers the hooks
      // set so far (security headers, request id) are carried over.
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      const send = (text: string) => {
        if (!res.writableEnded && !res.destroyed) res.write(text);
      };
      // EventSource reconnects by itself after `retry` ms; one connection lasts at most maxSeconds
      // (below proxies' idle timeouts and the server's request timeout), and then ends with `end`.
      send(`retry: 2000\nevent: ready\ndata: {}\n\n`);
      // The stream ends when the session or the scope that opened it does: checked every few
      // seconds (shared by the session's streams) and again before each event is delivered, so
      // nothing reaches a signed-out, disabled or no-longer-member user (a reconnect is refused).
      const guard = app.streamAccess.watch(
        request.user!.sessionId,
        (access) => streamAllowed(access, opened, target),
        () => end(),
      );
      // Events go out in order, each after its own check.
      let delivering = Promise.resolve();
      const unsubscribe = app.activity.subscribe(filter, (activity) => {
        delivering = delivering.then(async () => {
          if (await guard.check()) send(`event: activity\ndata: ${JSON.stringify(activity)}\n\n`);
        });
      });
      const heartbeat = setInterval(() => send(': keep-alive\n\n'), 20_000);
      let closing: ReturnType<typeof setTimeout> | undefined;
      const end = () => {
        clearInterval(heartbeat);
        clearTimeout(timer);
        clearTimeout(closing);
        guard.stop();
        unsubscribe();
        openStreams.delete(end);
        if (!res.writableEnded) res.end();
      };
      // A planned end says so first: the page reconnects at once and does not report the live
      // feed as dropped (an end without it, a network or server failure, is reported). This
      // connection keeps delivering for a few seconds more (at most as long as it lasted), so that
      // nothing is missed while the page's next one opens.
      const timer = setTimeout(() => {
        send(`event: end\ndata: {}\n\n`);
        closing = setTimeout(end, Math.min(END_OVERLAP_MS, maxSeconds * 1000));
      }, maxSeconds * 1000);
      openStreams.add(end);
      // The browser went away (page closed, EventSource closed): stop forwarding.
      res.once('close', end);
    },
  );
};

export default events;
