// The @fastify/http-proxy peer for bench/gateway/run.ts: UPSTREAM and PORT come from the environment.
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';

const app = Fastify({ logger: false });
await app.register(proxy, { upstream: process.env.UPSTREAM ?? 'http://127.0.0.1:18081' });
await app.listen({ port: Number(process.env.PORT ?? 18084), host: '127.0.0.1' });
