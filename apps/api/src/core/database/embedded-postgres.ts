import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockDataDir } from './data-dir-lock';

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
    private readonly unlock: () => void,
  ) {}

  /** `dataDir` undefined keeps the database in memory (tests). */
  static async start(dataDir: string | undefined): Promise<EmbeddedPostgres> {
    let unlock = () => undefined as void;
    if (dataDir) {
      await mkdir(dataDir, { recursive: true });
      unlock = lockDataDir(dataDir);
    }
    try {
      const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
      // More than one socket connection is needed: the pool and the test harness each hold one.
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
      await server.start();
      const url = `postgres://postgres@${server.getServerConn()}/postgres`;
      return new EmbeddedPostgres(db, server, url, dataDir, unlock);
    } catch (error) {
      unlock();
      throw error;
    }
  }

  async stop(): Promise<void> {
    try {
      await this.server.stop();
      await this.db.close();
    } finally {
      this.unlock();
    }
  }
}
