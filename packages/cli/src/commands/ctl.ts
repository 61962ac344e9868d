import type { RegisterCommand } from '../io.ts';

/**
 * registerCtl lists `ctl` in the help. main() hands `etcd-monitor ctl …` to runCtl before commander parses anything,
 * because ctl parses its command line as etcdctl does (pflag rules, etcdctl's usage and exit codes).
 */
export const registerCtl: RegisterCommand = (program) => {
  program
    .command('ctl')
    .description('etcdctl 3.4, command for command: get, put, del, txn, watch, lease, member, endpoint, defrag, alarm, snapshot, user, role… (see docs/cli.md)')
    .argument('<command...>', 'an etcdctl command line, such as: get --prefix /app/ -w json')
    .helpOption(false)
    .allowUnknownOption();
};
