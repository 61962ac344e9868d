import type { RegisterCommand } from '../io.ts';

/** registerDemo adds `demo`, which will start a local 3-member etcd cluster and the monitor against it. */
export const registerDemo: RegisterCommand = (program, io, setExit) => {
  program
    .command('demo')
    .description('start a local 3-member etcd cluster, a light load and the monitor against it')
    .action(() => {
      io.err.write(
        'etcd-monitor demo: the monitor service is not built yet (it arrives with the monitor issue).\n' +
          'Today you can check a cluster with: npx etcd-monitor status --endpoints 127.0.0.1:2379 --cluster\n',
      );
      setExit(1);
    });
};
