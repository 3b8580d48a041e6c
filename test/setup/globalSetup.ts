// Runs once around the whole test run: finds or starts the PostgreSQL the tests use and hands
// its URL to every test file (`inject('postgresUrl')`); a private server is stopped at the end.
import type { TestProject } from 'vitest/node';
import { testPostgres } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await testPostgres();
  if (postgres.private) console.log(`[test setup] no PostgreSQL answered; started a private one at ${postgres.url}`);
  project.provide('postgresUrl', postgres.url);
  return () => postgres.stop();
}
