/** Every cert-wrap command, in the order --help lists them. */
import { applyDef } from './apply.js';
import { deployHookDef } from './deploy-hook.js';
import { agentDef, fleetAuthHookDef, fleetDeployHookDef, fleetInitDef } from './fleet.js';
import { bootstrapDef, planDef, renewDef, statusDef } from './lifecycle.js';
import { obtainDef } from './obtain.js';
import { preflightDef } from './preflight.js';
import { reloadDef } from './reload.js';
import { scheduleDef } from './schedule.js';
import type { Command } from './types.js';

export const COMMANDS: Command[] = [applyDef, obtainDef, preflightDef, renewDef, scheduleDef, statusDef, planDef, bootstrapDef, reloadDef, deployHookDef, agentDef, fleetInitDef, fleetAuthHookDef, fleetDeployHookDef];
