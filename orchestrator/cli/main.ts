import { Command, Option } from 'commander';
import { runSandbox } from '../sandbox/run-sandbox.ts';
import { formatTimelineEvent, type TimelineEvent } from '../timeline/timeline-event.ts';

/** `homeostat`: the service's command line. */
const program = new Command('homeostat')
  .description('Closes the loop between GitOps and AIOps for Pulumi infrastructure')
  .showHelpAfterError();

program
  .command('sandbox')
  .description('run Homeostat on this machine against a local Git remote, the real engine and a simulated fleet')
  .addOption(new Option('--once', 'exit when the sandbox has done its work, instead of serving until Ctrl-C'))
  .addOption(new Option('--json', 'print the timeline as one JSON object per line'))
  .addOption(new Option('--data-dir <dir>', 'folder for the sandbox\'s repositories and state (default: .homeostat/sandbox)'))
  .action(async (opts: { once?: boolean; json?: boolean; dataDir?: string }) => {
    const emit = (e: TimelineEvent) => console.log(opts.json ? JSON.stringify(e) : formatTimelineEvent(e));
    process.exitCode = await runSandbox({ once: opts.once ?? false, emit, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
  });

await program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`homeostat: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
