// The command-line face of the services: the same readers and writers as the app, no window.
import { parseArgs } from 'node:util';
import {
  openPaths,
  segmentationAloneMessage,
  segmentationsWithoutTheirSeries,
  seriesInfo,
} from '../services/imaging/index';
import { UsageError, reportFailure } from './command';
import { pacsCommand } from './pacs';
import { correctCommand } from './correct';
import { metricsCommand, segmentCommand } from './segment';
import { transcribeCommand } from './transcribe';

const usage = `usage: causal-sam <command> [options]

commands:
  info <path...> [--json]   describe every series found in files or folders (NIfTI, NRRD, DICOM)
  pacs echo|find|retrieve|store   talk to a PACS over DICOMweb or DIMSE (causal-sam pacs --help)
  segment <input> --out <labels.nii.gz>   automatic or promptable segmentation (causal-sam segment --help)
  metrics --pred <a> --ref <b> [--json]   Dice, HD95 and ASSD per label
  correct <image> --mask <labels> --command "<text>" --out <labels2>   apply a typed correction (causal-sam correct --help)
  transcribe <wav> [--engine pocketsphinx|sherpa-onnx] [--json]   a spoken correction command as text

exit status: 0 done, 1 refused or failed (one line says why), 2 usage, 3 (correct) the command needs clarifying
`;

async function info(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false } },
  });
  if (positionals.length === 0) throw new UsageError('info needs at least one path');
  const result = await openPaths(positionals);
  for (const error of result.errors) console.error(`error: ${error.message}`);
  for (const seg of segmentationsWithoutTheirSeries(result)) console.error(segmentationAloneMessage(seg));
  for (const series of result.series) {
    const summary = seriesInfo(series);
    if (values.json) {
      console.log(JSON.stringify(summary));
      continue;
    }
    const fmt = (v: number[]) => v.map((x) => +x.toFixed(4)).join(' × ');
    console.log(
      `${summary.path}\n  ${summary.modality} ${summary.dims.join(' × ')} voxels, ${fmt(summary.spacingMm)} mm, ${summary.voxelType}`,
    );
    console.log(`  origin (LPS mm) ${summary.originLps.map((x) => x.toFixed(3)).join(', ')}`);
    for (const warning of summary.warnings) console.log(`  warning: ${warning}`);
  }
  return result.series.length > 0 ? 0 : 1;
}

const commands: Record<string, (args: string[]) => Promise<number>> = {
  info,
  pacs: pacsCommand,
  segment: segmentCommand,
  metrics: metricsCommand,
  correct: correctCommand,
  transcribe: transcribeCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    console.log(usage);
    return command ? 0 : 2;
  }
  const run = commands[command];
  if (!run) throw new UsageError(`unknown command "${command}"`);
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    let code = 1;
    try {
      code = reportFailure(error, usage);
    } catch {
      console.error(`error: ${(error as Error)?.message ?? String(error)}`);
    }
    process.exit(code);
  },
);
