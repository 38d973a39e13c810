/**
 * The ceiling: a bare Fastify server (the version Tessera uses) whose tracking
 * routes only parse the JSON body and answer 200. No auth, validation or disk.
 * Run as its own process, like Tessera, on the port in $PORT.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 500 * 1024 });
const answer = { success: true };
app.post('/v1/batch', async () => answer);
app.post('/v1/track', async () => answer);

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
