// The heartbeat layer's public face: the wire codec, the media, the
// membership machine, the state files, and HeartbeatNode that runs them.
export * from './wire/index.js';
export * from './membership/index.js';
export * from './media/index.js';
export * from './state/index.js';
export * from './node/index.js';
