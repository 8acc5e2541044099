// Child process of `npm run bench`: a bare Fastify route on loopback, the floor for any
// Fastify app's throughput on this machine. POST /bare answers a small JSON body.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/bare', async (request) => ({ ok: true, echo: typeof request.body === 'object' ? Object.keys(request.body ?? {}).length : 0 }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log(JSON.stringify({ url: `http://127.0.0.1:${process.env.PORT}` }));
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
