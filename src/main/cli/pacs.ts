// `causal-sam pacs echo|find|retrieve|store`: the PACS services from the command line. The node is
// given inline (--dicomweb URL, --dimse AET@host:port) or by name from the settings (--node).
// Secrets come from files or the settings, never from the command line itself (it shows in `ps`
// and in shell history), and are never printed.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PacsNode } from '../../shared/pacs';
import { pacsNodeSchema } from '../../shared/pacs';
import {
  PacsCache,
  PacsService,
  clientFor,
  retrieveSeries,
  type PacsConnection,
} from '../services/pacs/index';
import { defaultDataDir } from '../services/workspace/index';
import { UsageError, cliCommand } from './command';

export const pacsUsage = `usage: causal-sam pacs <echo|find|retrieve|store> <node> [options]

node (one of):
  --dicomweb <url>            DICOMweb base URL, e.g. http://127.0.0.1:8042/dicom-web
  --dimse <AET>@<host>:<port> a DIMSE peer, e.g. ORTHANC@127.0.0.1:4242
  --node <name>               a node saved in the workstation's PACS settings
credentials (DICOMweb):
  --user <name> --password-file <file>   basic auth (the file holds the password)
  --token-file <file>                    bearer token
DIMSE:
  --aet <title>               this workstation's AE title (default: settings, else CAUSALSAM)
  --port <n>                  port of this workstation's storage SCP for C-MOVE (default: settings, else 11112)
  --method get|move           how to retrieve (default: get; move needs the archive to know --aet/--port)
common:
  --timeout <s>               give up when the archive is silent this long (default 30)
  --json                      one JSON object per line

pacs echo                     check the node answers (C-ECHO, or an authenticated QIDO-RS query)
pacs find [--patient-name N] [--patient-id ID] [--date-from YYYY-MM-DD] [--date-to YYYY-MM-DD]
          [--modality MR] [--accession A]          search studies
pacs find --study <uid>       list the series of a study
pacs retrieve --study <uid> [--series <uid>] [--out <dir>]
                              retrieve into <dir>/<StudyUID>/<SeriesUID>/ (default: the workstation's
                              cache); a retry resumes, skipping instances already there
pacs store <files or folders...>   send DICOM files (STOW-RS or C-STORE)
`;

const options = {
  dicomweb: { type: 'string' },
  dimse: { type: 'string' },
  node: { type: 'string' },
  user: { type: 'string' },
  'password-file': { type: 'string' },
  'token-file': { type: 'string' },
  aet: { type: 'string' },
  port: { type: 'string' },
  method: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean', default: false },
  'patient-name': { type: 'string' },
  'patient-id': { type: 'string' },
  'date-from': { type: 'string' },
  'date-to': { type: 'string' },
  modality: { type: 'string' },
  accession: { type: 'string' },
  study: { type: 'string' },
  series: { type: 'string' },
  out: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

async function readSecret(path: string): Promise<string> {
  // Only the trailing newline an editor adds is dropped: a password may contain spaces.
  return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
}

async function connection(values: Values): Promise<PacsConnection> {
  const given = [values.dicomweb, values.dimse, values.node].filter((v) => v !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --dicomweb, --dimse or --node');
  const timeoutS = values.timeout ? Number(values.timeout) : undefined;
  if (timeoutS !== undefined && !(timeoutS > 0)) throw new UsageError('--timeout is a number of seconds');
  const service = new PacsService(defaultDataDir());
  const settings = await service.settings.list();
  let base: PacsConnection;
  if (values.node) {
    base = await service.settings.node(values.node);
  } else {
    let node: unknown;
    if (values.dicomweb) {
      node = {
        name: values.dicomweb,
        kind: 'dicomweb',
        url: values.dicomweb,
        auth: values['token-file'] ? 'bearer' : values.user ? 'basic' : 'none',
        username: values.user,
      };
    } else {
      const match = values.dimse!.match(/^([^@]+)@(.+):(\d+)$/);
      if (!match) throw new UsageError('--dimse takes AET@host:port, e.g. ORTHANC@127.0.0.1:4242');
      node = { name: values.dimse, kind: 'dimse', aet: match[1], host: match[2], port: Number(match[3]) };
    }
    const parsed = pacsNodeSchema.safeParse(node);
    if (!parsed.success) throw new UsageError(parsed.error.issues[0].message);
    base = { node: parsed.data, localAet: settings.localAet, localPort: settings.localPort };
  }
  const node: PacsNode = { ...base.node, ...(timeoutS ? { timeoutS } : {}) };
  if (node.kind === 'dimse' && values.method) {
    if (values.method !== 'get' && values.method !== 'move') throw new UsageError('--method is get or move');
    node.retrieve = values.method;
  }
  if (node.kind === 'dicomweb' && values.user) node.username = values.user;
  let secret = base.secret;
  if (values['password-file']) secret = await readSecret(values['password-file']);
  if (values['token-file']) secret = await readSecret(values['token-file']);
  const localPort = values.port ? Number(values.port) : base.localPort;
  if (!Number.isInteger(localPort) || localPort < 1 || localPort > 65535)
    throw new UsageError('--port is a port number');
  return { node, secret, localAet: values.aet ?? base.localAet, localPort };
}

async function dicomFilesUnder(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  const visit = async (path: string) => {
    if ((await stat(path)).isDirectory()) {
      for (const entry of (await readdir(path)).sort()) await visit(join(path, entry));
    } else {
      files.push(path);
    }
  };
  for (const path of paths) await visit(path);
  return files;
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    );
}

async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    console.log(pacsUsage);
    return sub ? 0 : 2;
  }
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options });
  const target = await connection(values);
  const client = clientFor(target);
  const json = values.json;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    switch (sub) {
      case 'echo': {
        const started = performance.now();
        await client.echo(controller.signal);
        const ms = Math.round(performance.now() - started);
        console.log(
          json
            ? JSON.stringify({ node: client.name, ok: true, milliseconds: ms })
            : `${client.name}: ok (${ms} ms)`,
        );
        return 0;
      }
      case 'find': {
        if (values.study) {
          const series = await client.findSeries(values.study, controller.signal);
          if (json) for (const s of series) console.log(JSON.stringify(s));
          else
            printTable([
              ['SERIES UID', 'MOD', 'NO', 'IMAGES', 'DESCRIPTION'],
              ...series.map((s) => [
                s.seriesUid,
                s.modality,
                String(s.seriesNumber ?? ''),
                String(s.instanceCount ?? ''),
                s.seriesDescription,
              ]),
            ]);
          return 0;
        }
        const studies = await client.findStudies(
          {
            patientName: values['patient-name'],
            patientId: values['patient-id'],
            dateFrom: values['date-from'],
            dateTo: values['date-to'],
            modality: values.modality,
            accessionNumber: values.accession,
          },
          controller.signal,
        );
        if (json) for (const s of studies) console.log(JSON.stringify(s));
        else if (studies.length === 0) console.log('no study matches');
        else
          printTable([
            ['STUDY UID', 'PATIENT', 'ID', 'DATE', 'MODALITIES', 'ACCESSION', 'DESCRIPTION'],
            ...studies.map((s) => [
              s.studyUid,
              s.patientName,
              s.patientId,
              s.studyDate,
              s.modalities.join(','),
              s.accessionNumber,
              s.studyDescription,
            ]),
          ]);
        return 0;
      }
      case 'retrieve': {
        if (!values.study) throw new UsageError('retrieve needs --study <uid>');
        const cache = new PacsCache(values.out ?? join(defaultDataDir(), 'pacs-cache'));
        const seriesUids = values.series
          ? [values.series]
          : (await client.findSeries(values.study, controller.signal)).map((s) => s.seriesUid);
        const tty = process.stderr.isTTY;
        for (const seriesUid of seriesUids) {
          const stats = await retrieveSeries(client, cache, values.study, seriesUid, {
            signal: controller.signal,
            onProgress: tty ? (_f, label) => process.stderr.write(`\r${label}\x1b[K`) : undefined,
          });
          if (tty) process.stderr.write('\r\x1b[K');
          const { files: _files, ...summary } = stats;
          if (json) console.log(JSON.stringify({ seriesUid, ...summary }));
          else
            console.log(
              `${stats.folder}: ${stats.retrieved} retrieved, ${stats.alreadyCached} already cached, ` +
                `${(stats.bytes / 1048576).toFixed(1)} MiB in ${stats.seconds} s`,
            );
        }
        return 0;
      }
      case 'store': {
        if (positionals.length === 0) throw new UsageError('store needs files or folders');
        const files = await dicomFilesUnder(positionals);
        const stored = await client.store(files, { signal: controller.signal });
        if (json) for (const s of stored) console.log(JSON.stringify(s));
        else console.log(`${client.name}: stored ${stored.length} of ${files.length} files`);
        return stored.length === files.length ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown pacs command "${sub}"`);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export const pacsCommand = cliCommand(run, pacsUsage);
