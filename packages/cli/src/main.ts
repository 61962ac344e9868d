import { Command, CommanderError } from 'commander';
import { AppError, errorMessage, versionInfo } from '@etcd-monitor/core';
import { commands } from './commands/index.ts';
import { UsageError, type CliIo } from './io.ts';

/** buildProgram is the etcd-monitor command tree with every built-in command; `setExit` records the exit code a command wants. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('etcd-monitor')
    .description('Monitor, operate and front etcd clusters.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
      // Commander's own messages already start with "error:"; one line, no stack.
      outputError: (s, write) => write(`etcd-monitor: ${s.trim()}\n`),
    })
    .version(versionLine(), '-V, --version', 'print the etcd-monitor version, the Node.js version and the git commit')
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);
  for (const register of commands) register(program, io, setExit);
  return program;
}

/** main runs the etcd-monitor command line with the given arguments and resolves to the process exit code. */
export async function main(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr, env: process.env }): Promise<number> {
  if (argv[0] === 'ctl') {
    const { ctlMain } = await import('./ctl/main.ts');
    return ctlMain(argv.slice(1), io);
  }
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successful exits; everything else commander raises is a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return 0;
      const sub = program.commands.find((c) => argv.includes(c.name()));
      io.err.write(`(run 'etcd-monitor ${sub ? `${sub.name()} ` : ''}--help' for usage)\n`);
      return 2;
    }
    if (err instanceof UsageError || (err instanceof AppError && err.field !== undefined)) {
      io.err.write(`etcd-monitor: error: ${errorMessage(err)}\n`);
      return 2;
    }
    io.err.write(`etcd-monitor: ${errorMessage(err)}\n`);
    return 1;
  }
}

/** versionLine is what `etcd-monitor --version` prints: `etcd-monitor 0.1.0 (node v24.21.0, commit 1a2b3c4d5e6f)`. */
export function versionLine(): string {
  const v = versionInfo();
  return `etcd-monitor ${v.version} (node ${v.node}${v.commit ? `, commit ${v.commit.slice(0, 12)}` : ''})`;
}
