// Ports for servers that must know their URL before they listen (tests and the benchmark).
import { createServer } from 'node:net';

/** A port that was free a moment ago (the servers need to know their URLs before listening). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
