export { broadcastAddress, isIPv4, isMulticastIPv4, resolveInterface } from './interfaces.js';
export type { InterfaceAddress, InterfaceLookup, InterfaceTable } from './interfaces.js';
export { MediaError, mediumText, openMedia } from './udp-media.js';
export type { MediaProblem, OpenedMedia } from './udp-media.js';
export type { DatagramHandler, DatagramSource, MediumView, OpenMediaOptions } from './types.js';
