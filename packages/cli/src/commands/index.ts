import type { RegisterCommand } from '../io.ts';
import { registerDemo } from './demo.ts';
import { registerStatus } from './status.ts';
import { registerServe } from './serve.ts';
import { registerAlerting } from './alerting.ts';
import { registerGateway } from './gateway.ts';
import { registerCtl } from './ctl.ts';

/** commands lists every built-in command, in the order `--help` shows them. */
export const commands: RegisterCommand[] = [registerStatus, registerServe, registerDemo, registerAlerting, registerGateway, registerCtl];
