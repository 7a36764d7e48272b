// Entry point of the `hamd` command (bin/hamd.js).
import { HamdClient } from '../../clients/node';
import { packageVersion } from '../base/paths';
import { parseArgs, UsageError } from './args';
import { descriptors, descriptorsUsage } from './descriptors';
import { fitContraction, fitContractionUsage } from './fit-contraction';
import { predict, predictUsage } from './predict';
import { serve, serveUsage } from './serve';
import { status, statusUsage } from './status';
import { stop, stopUsage } from './stop';
import { train, trainUsage } from './train';

const usage = `hamd ${packageVersion()}: symmetry-adapted descriptors and surrogate Hamiltonians served over gRPC

Commands:
${serveUsage}

${descriptorsUsage}

${predictUsage}

${trainUsage}

${fitContractionUsage}

${stopUsage}

hamd info [--address ADDR]
  Prints the daemon's ServerInfo (version, capabilities, threads, limits) as JSON.

${statusUsage}

hamd --help | --version`;

async function info(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['address'], flags: [] });
  const client = await HamdClient.connect(args.options.get('address'));
  try {
    process.stdout.write(JSON.stringify(await client.info(), null, 2) + '\n');
  } finally {
    client.close();
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': return await serve(rest);
      case 'descriptors': return await descriptors(rest);
      case 'predict': return await predict(rest);
      case 'train': return await train(rest);
      case 'fit-contraction': return await fitContraction(rest);
      case 'info': return await info(rest);
      case 'status': return await status(rest);
      case 'stop': return await stop(rest);
      case '--version': process.stdout.write(packageVersion() + '\n'); return 0;
      case undefined: case 'help': case '--help': case '-h': process.stdout.write(usage + '\n'); return command === undefined ? 2 : 0;
      default: throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`hamd: ${error.message}\n(hamd --help for usage)\n`);
      return 2;
    }
    const e = error as { message?: string; code?: unknown; details?: string };
    process.stderr.write(`hamd: ${e.details ?? e.message ?? String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
