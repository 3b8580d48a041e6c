// The bus that fits the database: several instances can only share a PostgreSQL database, so
// SQLite needs no more than the in-process bus.
import type { DatabaseConfig } from '../config/env.ts';
import type { Logger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';
import type { EventBus } from './bus.ts';
import { InProcessBus } from './inProcessBus.ts';
import { PostgresBus } from './postgresBus.ts';

export async function openBus(database: DatabaseConfig, db: Db, log: Logger): Promise<EventBus> {
  if (database.client === 'postgres') return PostgresBus.open(db, database.connectionString, log);
  return new InProcessBus(log);
}
