/**
 * Ensures the Temporal CLI is available (env / PATH / cache, else builds it with Go into the cache outside the
 * clone) and prints where it is. Used by .ci/run; exits 1 with the reason on failure.
 *
 *   npx tsx dev/temporal/ensure-cli.ts
 */
import { resolveTemporalCli, TEMPORAL_CLI_VERSION } from './cli-binary';

async function main(): Promise<void> {
  const started = Date.now();
  const cli = await resolveTemporalCli({ build: true, log: (m) => console.log(m) });
  console.log(
    `Temporal CLI ${TEMPORAL_CLI_VERSION}: ${cli.path} (source: ${cli.source}, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
