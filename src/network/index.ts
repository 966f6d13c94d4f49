// Network-aware failover: ipfail built in (ping node counts compared between
// the two nodes) and keepalived's track_interface. The public face.
export { createPolicy, stepPolicy, nextDeadline, worseOff, localReach, type PolicyConfig, type PolicyEvent, type PolicyAction, type PolicyState, type Reach } from './policy.js';
export { reachMessage, readPeerMessage, T_NUM_PING_NODES, T_YOU_ARE_DEAD, T_ABORT_GIVEUP, type PeerSays } from './message.js';
export { networkSettings, ipfailRespawned, type NetworkSettings } from './settings.js';
export { readLinkUp, LinkWatch } from './link-watch.js';
export { createNetworkWatch, NetworkWatch, type NetworkView, type NetworkWatchOptions } from './watch.js';
