#!/usr/bin/env node
/**
 * The `tessera` command. Output for people goes to stdout; logs (JSON) from
 * the server go to stdout too when it runs, as pino writes them.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { channels, importFormats, type Source } from '../contracts/index.js';
import { systemClock } from '../lib/clock.js';
import { createLogger } from '../lib/logger.js';
import { loadConfig, settings } from '../server/config.js';
import { CliError, callApi, resolveTarget } from './api-client.js';

const program = new Command()
  .name('tessera')
  .description('Tessera: customer data platform. Collect, unify, segment, orchestrate, decide, deliver.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
};

program
  .command('start')
  .description('Start the server on the embedded storage (no other servers needed)')
  .option('-p, --port <port>', 'HTTP port (env PORT, default 8080)', port)
  .option('-d, --data-dir <dir>', 'data directory (env TESSERA_DATA_DIR, default ./.tessera)')
  .addHelpText('after', `\nEnvironment:\n${settings.map((s) => `  ${s.env.padEnd(34)} ${s.doc}${s.fallback ? ` (default ${s.fallback})` : ''}`).join('\n')}`)
  .action(async (options: { port?: number; dataDir?: string }) => {
    const config = loadConfig(process.env, { ...(options.port !== undefined && { port: options.port }), ...(options.dataDir && { dataDir: options.dataDir }) });
    if (!config.ok) {
      throw new CliError(`invalid configuration:\n${config.error.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`);
    }
    const logger = createLogger({ level: config.value.logLevel });
    // Loaded here, not at the top: the other commands only talk HTTP and should start fast.
    const { startTessera } = await import('../server/runtime.js');
    const running = await startTessera(config.value, logger, systemClock);
    if (running.adminToken.generated) {
      process.stdout.write(
        `\nAdmin token (shown once; also stored in ${running.adminToken.file}):\n  ${running.adminToken.token}\n\n`,
      );
    }
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      running.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

const api = (command: Command): Command =>
  command
    .option('--url <url>', 'Tessera base URL (env TESSERA_URL, default http://127.0.0.1:$PORT)')
    .option('--token <token>', 'admin token (env TESSERA_ADMIN_TOKEN, else <data dir>/admin-token)')
    .option('-d, --data-dir <dir>', 'data directory to read the admin token from')
    .option('--json', 'print JSON instead of a table');

type ApiFlags = { url?: string; token?: string; dataDir?: string; json?: boolean };

const printSources = (list: readonly Source[], json: boolean | undefined): void => {
  if (json) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  if (list.length === 0) {
    process.stdout.write('No sources yet. Create one with: tessera sources create --name "Web" --channel web\n');
    return;
  }
  const rows = list.map((s) => [s.id, s.name, s.channel, s.enabled ? 'enabled' : 'disabled', s.writeKey]);
  const header = ['ID', 'NAME', 'CHANNEL', 'STATE', 'WRITE KEY'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`);
};

const sources = program.command('sources').description('Manage sources (one per website, app, store system...) and their write keys');

api(sources.command('create').description('Create a source and print its write key'))
  .requiredOption('-n, --name <name>', 'a name people will recognise, e.g. "Web store"')
  .addOption(new Option('-c, --channel <channel>', 'the channel its events come from').choices(channels).makeOptionMandatory())
  .option('--allowed-origin <origin...>', 'browser origins allowed to send (default: any)')
  .action(async (options: ApiFlags & { name: string; channel: string; allowedOrigin?: string[] }) => {
    const target = await resolveTarget(options, process.env);
    const body = { name: options.name, channel: options.channel, ...(options.allowedOrigin && { allowedOrigins: options.allowedOrigin }) };
    printSources([await callApi<Source>(target, 'POST', '/sources', body)], options.json);
  });

api(sources.command('list').description('List sources and their write keys')).action(async (options: ApiFlags) => {
  const target = await resolveTarget(options, process.env);
  printSources((await callApi<{ sources: Source[] }>(target, 'GET', '/sources')).sources, options.json);
});

api(sources.command('rotate-key').description('Issue a new write key').argument('<id>', 'source id'))
  .option('--grace <seconds>', 'how long the old key keeps working (default 0: revoked at once)', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of seconds');
    return n;
  })
  .action(async (id: string, options: ApiFlags & { grace?: number }) => {
    const target = await resolveTarget(options, process.env);
    printSources([await callApi<Source>(target, 'POST', `/sources/${encodeURIComponent(id)}/rotate-key`, { gracePeriodSeconds: options.grace ?? 0 })], options.json);
  });

for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
  api(sources.command(name).description(`${enabled ? 'Enable' : 'Disable'} a source`).argument('<id>', 'source id')).action(
    async (id: string, options: ApiFlags) => {
      const target = await resolveTarget(options, process.env);
      printSources([await callApi<Source>(target, 'PATCH', `/sources/${encodeURIComponent(id)}`, { enabled })], options.json);
    },
  );
}

const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of seconds');
  return n;
};

api(
  program
    .command('import')
    .description('Import a CSV, TSV, NDJSON or JSON-array file into a source of a running Tessera; resumable after an interruption')
    .argument('<file>', 'the file to import'),
)
  .requiredOption('-s, --source <source>', 'the source the rows come from: its name or id (create one with `tessera sources create --channel import`)')
  .requiredOption('-m, --mapping <file>', 'JSON mapping of columns to identifiers, traits and events (see the README)')
  .addOption(new Option('-f, --format <format>', 'the file format (default: from the extension)').choices(importFormats))
  .option('--state <path>', 'where to record progress for resuming (default <file>.import-state.json)')
  .option('--rejects <path>', 'where to write rejected rows with their line and reason (default <file>.rejects.csv)')
  .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)')
  .option('--no-resume', 'start a new import even if the state file names an interrupted one')
  .option('--wait <seconds>', 'how long to wait for the profile counts once the rows are in', seconds, 300)
  .addHelpText(
    'after',
    '\nRows are durable on the server as they are acknowledged; interrupted, the same command continues from the last acknowledged line.' +
      '\nImporting the same file again stores nothing twice: messageIds come from its content hash and line (within the dedupe window).',
  )
  .action(
    async (
      file: string,
      options: ApiFlags & { source: string; mapping: string; format?: string; state?: string; rejects?: string; progress: boolean; resume: boolean; wait: number },
    ) => {
      const target = await resolveTarget(options, process.env);
      const { runImport } = await import('./import-command.js');
      await runImport(file, options, target, { stdout: process.stdout, stderr: process.stderr });
    },
  );

type MatchCliFlags = { config?: string; auto?: boolean; writeConfig?: string; out?: string; progress: boolean };

const matchOptions = (command: Command): Command =>
  command
    .option('-c, --config <file>', 'the matcher config (JSON; see the README)')
    .option('--auto', 'propose a config from the column names and values (printed unless --out or --write-config)')
    .option('--write-config <file>', 'with --auto: write the proposed config there')
    .option('--no-progress', 'no progress bars (they are shown only on a terminal anyway)');

matchOptions(
  program
    .command('dedupe')
    .description('Find the records of one file (CSV, TSV or NDJSON) that are the same person, without a shared key')
    .argument('<file>', 'the records'),
)
  .option('-o, --out <file>', 'where to write a cluster id per record (CSV)')
  .action(async (file: string, options: MatchCliFlags) => {
    const { runDedupe } = await import('./match-command.js');
    await runDedupe(file, options, { stdout: process.stdout, stderr: process.stderr });
  });

matchOptions(
  program
    .command('link')
    .description('Find the records of two files that are the same person, without a shared key')
    .argument('<a>', 'the first file')
    .argument('<b>', 'the second file'),
)
  .option('-o, --out <file>', 'where to write the scored pairs with their match probability (CSV)')
  .action(async (a: string, b: string, options: MatchCliFlags) => {
    const { runLink } = await import('./match-command.js');
    await runLink(a, b, options, { stdout: process.stdout, stderr: process.stderr });
  });

program
  .command('demo')
  .description('Run a demo: a generated retail brand, live journeys sending mail to a local catcher, engagement flowing back')
  .option('-p, --port <port>', 'HTTP port of the server', port, 8080)
  .option('--mail-port <port>', 'HTTP port where the caught mail is listed (GET /demo/mail)', port, 8025)
  .option('--smtp-port <port>', 'SMTP port of the mail catcher (0: any free one)', port, 0)
  .option('-d, --data-dir <dir>', 'data directory (default: a new one under the system temp dir)')
  .option('--customers <n>', 'customers to generate', (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('must be a whole number from 1 to 100000');
    return n;
  }, 2_000)
  .action(async (options: { port: number; mailPort: number; smtpPort: number; dataDir?: string; customers: number }) => {
    const logger = createLogger({ level: 'warn' });
    const { runDemo } = await import('./demo/demo-command.js');
    const print = (line: string): void => void process.stdout.write(`${line}\n`);
    print('Starting the demo: server, mail catcher, a retail brand and its journeys...');
    const demo = await runDemo({ ...options, seed: 7, print }, logger);
    print(
      [
        '',
        `Tessera is running at ${demo.url} (data in ${demo.dataDir}).`,
        `  Caught mail:       ${demo.mail.httpUrl}/demo/mail`,
        `  Admin token:       ${demo.adminToken}`,
        `  A profile:         curl -H "Authorization: Bearer ${demo.adminToken}" '${demo.url}/api/v1/profiles?identifier=user_id:cust-00001'`,
        `  Deliveries:        curl -H "Authorization: Bearer ${demo.adminToken}" ${demo.url}/api/v1/deliveries`,
        'New sign-ups get the welcome mail at once; carts left for a minute get a reminder. Ctrl-C stops.',
        '',
      ].join('\n'),
    );
    const stop = (): void => {
      demo.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tessera: ${error instanceof CliError ? error.message : (error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
