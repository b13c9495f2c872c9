/** A database of its own on the machine's PostgreSQL (127.0.0.1:5432, trust auth), dropped after the tests. */
import { Client } from 'pg';

export const PG_HOST = process.env.TEMPOTRADE_TEST_PG_HOST ?? '127.0.0.1';
export const PG_PORT = Number(process.env.TEMPOTRADE_TEST_PG_PORT ?? 5432);
const ADMIN_URL = `postgres://postgres@${PG_HOST}:${PG_PORT}/test`;

export interface TestDatabase {
  readonly name: string;
  /** The URL of the database, optionally through another host:port (a proxy). */
  url(via?: { host: string; port: number }): string;
  count(sql: string, args?: unknown[]): Promise<number>;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${process.pid}`.replace(/[^a-z0-9_]/g, '_');
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = (via = { host: PG_HOST, port: PG_PORT }) => `postgres://postgres@${via.host}:${via.port}/${name}`;
  return {
    name,
    url,
    count: async (sql, args = []) => {
      const c = new Client({ connectionString: url() });
      await c.connect();
      try {
        const r = await c.query<{ n: string }>(sql, args);
        return Number(r.rows[0].n);
      } finally {
        await c.end();
      }
    },
    drop: async () => {
      const a = new Client({ connectionString: ADMIN_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
