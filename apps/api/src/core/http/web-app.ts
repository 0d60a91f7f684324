import fastifyStatic from '@fastify/static';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, statSync } from 'node:fs';
import { join, normalize, resolve, sep } from 'node:path';

/** Where `nx run web:build` puts the SPA (relative to the workspace root, where npm runs). */
export const WEB_DIST_DIR = resolve(process.cwd(), 'dist/web');

function notFound(request: FastifyRequest, reply: FastifyReply, message: string) {
  return reply
    .code(404)
    .type('application/json')
    .send({
      statusCode: 404,
      code: 'not_found',
      message,
      detail: message,
      details: { path: request.url.split('?')[0] },
      requestId: String(request.id),
    });
}

/**
 * The built SPA on the API's port: assets under /app/, index.html for any other /app/* path
 * (client-side routes), a real 404 for a missing asset, and the old entry points redirected.
 */
export async function serveWebApp(app: NestFastifyApplication, root = WEB_DIST_DIR): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(fastifyStatic, { root, serve: false });

  fastify.get('/', (_request, reply) => reply.redirect('/app/', 302));
  fastify.get('/app', (_request, reply) => reply.redirect('/app/', 302));
  fastify.get('/static/index.html', (_request, reply) => reply.redirect('/app/chat', 302));
  fastify.get('/app/*', (request, reply) => {
    const wildcard = (request.params as { '*': string })['*'];
    const relative = normalize(decodeURIComponent(wildcard)).replace(/^(\.\.(\/|\\|$))+/, '');
    const file = join(root, relative);
    const isFile = file.startsWith(root + sep) && existsSync(file) && statSync(file).isFile();
    if (isFile) {
      // Hashed file names never change content; index.html must always be revalidated.
      const immutable = relative.startsWith(`assets${sep}`);
      return reply.sendFile(relative, root, {
        maxAge: immutable ? '365d' : 0,
        immutable,
        cacheControl: true,
      });
    }
    if (relative.startsWith('assets') || /\.[a-z0-9]{1,8}$/i.test(relative)) {
      return notFound(request, reply, `No file ${request.url.split('?')[0]}`);
    }
    if (!existsSync(join(root, 'index.html'))) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The web app is not built: run `npm run build` (or `npm start`, which builds it).');
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', root);
  });
}
