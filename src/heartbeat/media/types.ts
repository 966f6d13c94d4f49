import type { MediumConfig } from '../../config/index.js';

/** Where a datagram came from: for logs only, never for identity (spec §1). */
export interface DatagramSource {
  readonly address: string;
  readonly port: number;
}

/** A packet arrived on the medium named `link` (the interface name, like Heartbeat's link names). */
export type DatagramHandler = (bytes: Buffer, link: string, source: DatagramSource) => void;

export interface MediumView {
  readonly kind: MediumConfig['kind'];
  /** The link name the node table uses (the interface, as `cl_status listhblinks` shows it). */
  readonly link: string;
  readonly line: number;
  /** e.g. `bcast eth0 → 10.77.0.255:694`. */
  readonly description: string;
  /** Where its receive socket is bound. */
  readonly listen: string;
  readonly sent: number;
  readonly sendErrors: number;
}

export interface OpenMediaOptions {
  readonly onDatagram: DatagramHandler;
  /** A send failed (no route, EMSGSIZE, …); the shell rate-limits the log. */
  readonly onSendError: (medium: MediumView, error: Error) => void;
  /** A socket reported an error after opening. */
  readonly onSocketError?: (where: string, error: Error) => void;
  /** ha.cf path for error messages. */
  readonly file: string;
}
