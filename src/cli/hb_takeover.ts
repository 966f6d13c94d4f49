#!/usr/bin/env node
// `hb_takeover [all|foreign|local|failback]`: this node takes the named groups from the other node.
import { isMainModule, processIo, runCli } from './main.js';
import { runMoveCommand } from './resource-move-command.js';

if (isMainModule(import.meta.url)) void runCli('hb_takeover', (argv) => runMoveCommand('hb_takeover', argv, processIo));
