#!/usr/bin/env node
// `hb_standby [all|foreign|local|failback]`: this node gives the named groups to the other node.
import { isMainModule, processIo, runCli } from './main.js';
import { runMoveCommand } from './resource-move-command.js';

if (isMainModule(import.meta.url)) void runCli('hb_standby', (argv) => runMoveCommand('hb_standby', argv, processIo));
