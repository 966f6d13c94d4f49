// The resources part: agents (IPaddr, IPaddr2, LSB and resource.d scripts),
// ordered resource groups, and the resource manager state machine.
export * from './agents/index.js';
export * from './groups/index.js';
export * from './manager/index.js';
