// A real HTTP server standing in for a platform's webhook endpoint: records every delivery (raw
// body and headers) and answers with what the test chose.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Answers in turn; the last one repeats. Default 200 `{"received":true}`. */
  answers: Answer[];
  /** Resolves once `count` deliveries arrived (matching `filter` when given). */
  waitFor(count: number, filter?: (d: Delivery) => boolean, timeoutMs?: number): Promise<Delivery[]>;
  close(): Promise<void>;
}

export async function startReceiver(path = '/webhooks/stripe'): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const answers: Answer[] = [];
  let served = 0;
  const waiters: Array<() => void> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      deliveries.push({ headers: request.headers, body, json });
      for (const wake of waiters.splice(0)) wake();
      const answer = answers[Math.min(served, answers.length - 1)] ?? { status: 200, body: '{"received":true}' };
      served += 1;
      const send = () => {
        if (response.destroyed) return;
        response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        response.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    deliveries,
    answers,
    waitFor: (count, filter = () => true, timeoutMs = 8000) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`expected ${count} deliveries, got ${deliveries.filter(filter).length}`)),
          timeoutMs,
        );
        const check = () => {
          const matching = deliveries.filter(filter);
          if (matching.length >= count) {
            clearTimeout(deadline);
            resolve(matching);
          } else waiters.push(check);
        };
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
