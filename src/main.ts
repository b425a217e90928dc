#!/usr/bin/env node
// CLI: `plugboard serve | migrate | stations ... | tokens ... | simulate ...`
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from './config.ts';
import { pino } from 'pino';
import { createApp, createCore } from './app.ts';
import { printList } from './cli/table.ts';
import { toToken } from './modules/authorization/routes.ts';
import { stationPasswordProblem } from './modules/stations/password-rules.ts';

const USAGE = `Usage: plugboard <command> [options]

  serve                                   start the central system (OCPP + HTTP)
  migrate                                 apply database migrations and exit
  stations list [--json]
  stations add <id> [--password P] [--profile 0|1|2|3] [--status Accepted|Pending|Rejected]
  stations accept <id> | stations reject <id>
  stations password <id> <password>
  tokens list [--json]
  tokens add <idTag> [--parent ID] [--expiry ISO-DATE] [--status Accepted|Blocked|Expired|Invalid] [--concurrent]
  tokens delete <idTag>
  simulate [--url URL] [--count N] [--duration S] [--password P] ...
                                          simulated OCPP 1.6 charge points (1 to 20,000) with a live
                                          summary; see plugboard simulate --help
  simulate --id ID [--password P] [--id-tag TAG] [--url URL]
                                          one simulated charger through one session, answers printed

Options for every command: --config FILE (JSON; also $PLUGBOARD_CONFIG). Environment variables: see README.md.`;

async function main(argv: string[]): Promise<number> {
  // `simulate` has options of its own (see src/simulator/cli.ts); --config may come first.
  const sim = argv.indexOf('simulate');
  if (sim === 0 || (sim === 1 && argv[0].startsWith('--config=')) || (sim === 2 && argv[0] === '--config')) {
    const { simulateCommand } = await import('./simulator/cli.ts');
    return simulateCommand([...argv.slice(0, sim), ...argv.slice(sim + 1)]);
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      password: { type: 'string' },
      profile: { type: 'string' },
      status: { type: 'string' },
      parent: { type: 'string' },
      expiry: { type: 'string' },
      concurrent: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  // An unknown command is a usage error before any configuration is read or database opened.
  if (command !== 'serve' && !CORE_COMMANDS.has(`${command} ${sub ?? ''}`.trim())) {
    throw new UsageError(`unknown command: ${positionals.join(' ')}`);
  }
  const config = loadConfig({ file: values.config ?? null });

  if (command === 'serve') {
    const app = await createApp(config);
    await app.start();
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      app.ctx.log.info({ signal }, 'shutting down');
      app.stop().then(
        () => process.exit(0),
        (err) => {
          app.ctx.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    return -1; // keep running
  }

  // The commands' output is stdout; log lines (warnings and worse only) go to stderr.
  const core = await createCore(config, { log: pino({ level: 'warn', base: { app: 'plugboard' } }, pino.destination(2)) });
  const { services } = core.ctx;
  try {
    switch (`${command} ${sub ?? ''}`.trim()) {
      case 'migrate':
        console.log(`migrations applied (${core.ctx.db.dialect})`);
        return 0;
      case 'stations list': {
        const stations = (await services.stations.list()).map((s) => ({ id: s.id, registrationStatus: s.registration_status, securityProfile: s.security_profile, vendor: s.vendor, model: s.model, lastSeenAt: s.last_seen_at }));
        printList(stations, [
          { header: 'id', value: (s) => s.id },
          { header: 'status', value: (s) => s.registrationStatus },
          { header: 'profile', value: (s) => s.securityProfile },
          { header: 'vendor', value: (s) => s.vendor },
          { header: 'model', value: (s) => s.model },
          { header: 'last seen', value: (s) => s.lastSeenAt },
        ], values.json === true);
        return 0;
      }
      case 'stations add': {
        const id = need(rest[0], 'station id');
        const status = values.status as 'Accepted' | 'Pending' | 'Rejected' | undefined;
        if (status && !['Accepted', 'Pending', 'Rejected'].includes(status)) throw new UsageError('--status must be Accepted, Pending or Rejected');
        const profile = values.profile === undefined ? null : Number(values.profile);
        if (profile !== null && ![0, 1, 2, 3].includes(profile)) throw new UsageError('--profile must be 0, 1, 2 or 3');
        if (values.password !== undefined) checkPassword(values.password, '--password');
        await services.stations.create({ id, password: values.password ?? null, securityProfile: profile, registrationStatus: status });
        console.log(`station ${id} added`);
        return 0;
      }
      case 'stations accept':
      case 'stations reject': {
        const id = need(rest[0], 'station id');
        await services.stations.setRegistrationStatus(id, sub === 'accept' ? 'Accepted' : 'Rejected');
        console.log(`station ${id} ${sub === 'accept' ? 'Accepted' : 'Rejected'}`);
        return 0;
      }
      case 'stations password': {
        const id = need(rest[0], 'station id');
        await services.stations.setPassword(id, checkPassword(need(rest[1], 'password'), 'password'));
        console.log(`password of ${id} changed`);
        return 0;
      }
      case 'tokens list':
        printList((await services.authorization.listTokens()).map(toToken), [
          { header: 'id tag', value: (t) => t.idTag },
          { header: 'status', value: (t) => t.status },
          { header: 'parent', value: (t) => t.parentIdTag },
          { header: 'expiry', value: (t) => t.expiryDate },
          { header: 'concurrent', value: (t) => t.allowConcurrent },
        ], values.json === true);
        return 0;
      case 'tokens add': {
        const idTag = need(rest[0], 'idTag');
        const status = values.status as 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | undefined;
        if (status && !['Accepted', 'Blocked', 'Expired', 'Invalid'].includes(status)) throw new UsageError('--status must be Accepted, Blocked, Expired or Invalid');
        if (values.expiry && Number.isNaN(Date.parse(values.expiry))) throw new UsageError('--expiry must be an ISO date, e.g. 2027-01-31T00:00:00Z');
        const row = await services.authorization.upsertToken({
          idTag,
          parentIdTag: values.parent,
          status,
          expiryDate: values.expiry ? new Date(values.expiry).toISOString() : undefined,
          allowConcurrent: values.concurrent,
        });
        console.log(`token ${row.id_tag} saved (${row.status})`);
        return 0;
      }
      case 'tokens delete': {
        const n = await services.authorization.deleteToken(need(rest[0], 'idTag'));
        console.log(n ? 'token deleted' : 'no such token');
        return n ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown command: ${positionals.join(' ')}`);
    }
  } finally {
    await core.close();
  }
}

class UsageError extends Error {}

const CORE_COMMANDS = new Set(['migrate', 'stations list', 'stations add', 'stations accept', 'stations reject', 'stations password', 'tokens list', 'tokens add', 'tokens delete']);

/** The same rule as the API and the service (password-rules.ts), as a usage error. */
function checkPassword(password: string, what: string): string {
  const problem = stationPasswordProblem(password);
  if (problem !== null) throw new UsageError(`${what}: ${problem}`);
  return password;
}

function need(v: string | undefined, what: string): string {
  if (!v) throw new UsageError(`missing ${what}`);
  return v;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`plugboard: ${err.message}\n\n${err instanceof UsageError ? USAGE : ''}`);
      process.exitCode = 2;
    } else {
      console.error(err);
      process.exitCode = 1;
    }
  },
);
