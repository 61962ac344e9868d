import type { RegisterCommand } from '../io.ts';
import { registerDemo } from './demo.ts';

/** commands lists every built-in command, in the order `--help` shows them. */
export const commands: RegisterCommand[] = [registerDemo];
