import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * PostgreSQL compiled to WebAssembly (PGlite), served over the Postgres wire protocol on a
 * loopback port so the app reaches it through the same `pg` driver as a real server.
 * All connections share one PGlite session, so callers keep their pool at one connection.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
    readonly dataDir: string | undefined,
  ) {}

  /** `dataDir` undefined keeps the database in memory (tests). */
  static async start(dataDir: string | undefined): Promise<EmbeddedPostgres> {
    if (dataDir) await mkdir(dataDir, { recursive: true });
    const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
    // More than one socket connection is needed: the pool, migrations and LISTEN each hold one.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    return new EmbeddedPostgres(db, server, url, dataDir);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
