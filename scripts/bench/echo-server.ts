/**
 * The baseline: a bare Fastify server (no plugins, no logger, no database) that answers
 * POST /api/ballots/:token by echoing the JSON body with 201, and GET /api/health with 200.
 * Spawned by the ingestion and cold-start benches. Listens on 127.0.0.1:$PORT.
 */
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/api/health', async () => ({ status: 'ok' }))
app.post('/api/ballots/:token', async (req, reply) => reply.code(201).send(req.body))
await app.listen({ port: Number(process.env.PORT ?? 3999), host: '127.0.0.1' })
