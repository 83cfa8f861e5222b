/**
 * A second process for the source tests: fetches and releases checkouts of one
 * repository in a loop, through its own fetcher on a shared cache folder, as
 * another `homeostat serve` on the same data folder would. Prints "ok N" or
 * the first error, and exits.
 *
 *   node --import tsx test/support/fetch-loop.ts <cache> <remote> <ref> <rounds>
 */
import { createSourceFetcher } from '../../orchestrator/source/source-fetcher.ts';

const [cache, remote, ref, rounds] = process.argv.slice(2) as [string, string, string, string];
const fetcher = createSourceFetcher({ dir: cache });
try {
  for (let i = 0; i < Number(rounds); i++) {
    const art = await fetcher.fetch(remote, ref, i % 3 === 0 ? `slot-${process.pid}-${i % 2}` : undefined);
    await fetcher.release(art);
  }
  console.log(`ok ${rounds}`);
} catch (err) {
  console.log(`failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
