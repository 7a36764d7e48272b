// Minimal command-line parsing: "--name value", "--name=value", boolean "--flag",
// short aliases; unknown options are errors (a typo must not be ignored silently).

export interface OptionSpec {
  values: string[];              // options that take a value (long names, without --)
  flags: string[];               // boolean options
  aliases?: Record<string, string>; // "-o" -> "output"
}

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: OptionSpec): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      parsed.positionals.push(word);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      name = eq >= 0 ? word.slice(2, eq) : word.slice(2);
      inline = eq >= 0 ? word.slice(eq + 1) : undefined;
    } else {
      const alias = spec.aliases?.[word];
      if (!alias) throw new UsageError(`unknown option ${word}`);
      name = alias;
    }
    if (spec.flags.includes(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      parsed.flags.add(name);
    } else if (spec.values.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      parsed.options.set(name, value);
    } else {
      throw new UsageError(`unknown option ${word}`);
    }
  }
  return parsed;
}

export function numberOption(args: ParsedArgs, name: string, integer: boolean): number | undefined {
  const text = args.options.get(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name}: "${text}" is not ${integer ? 'an integer' : 'a number'}`);
  }
  return value;
}

// "64MiB", "1GiB", "1000000", "512k" -> bytes.
export function bytesOption(args: ParsedArgs, name: string): number | undefined {
  const text = args.options.get(name);
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*(|k|kib|m|mib|g|gib)$/i.exec(text.trim());
  if (!match) throw new UsageError(`--${name}: "${text}" is not a size (e.g. 64MiB)`);
  const scale: Record<string, number> = { '': 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };
  return Math.floor(Number(match[1]) * scale[match[2].toLowerCase()]);
}
