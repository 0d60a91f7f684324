import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operators (people who log in) and API keys (integrators). Passwords are argon2 hashes; keys
 * are stored as the SHA-256 of the secret only. `token_version` is part of every operator token,
 * so bumping it (logout, password reset, disable) revokes the tokens already issued.
 */
export class Auth1764610000000 implements MigrationInterface {
  name = 'Auth1764610000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE operators (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username       varchar(64) NOT NULL UNIQUE,
        password_hash  text NOT NULL,
        role           varchar(16) NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
        token_version  integer NOT NULL DEFAULT 0,
        disabled_at    timestamptz,
        last_login_at  timestamptz,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE api_keys (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name          varchar(128) NOT NULL,
        prefix        varchar(16) NOT NULL,
        key_hash      char(64) NOT NULL UNIQUE,
        scopes        text[] NOT NULL,
        created_by    varchar(128) NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        last_used_at  timestamptz,
        revoked_at    timestamptz
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE api_keys');
    await db.query('DROP TABLE operators');
  }
}
