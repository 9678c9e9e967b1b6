/** Messages between the bench orchestrator and its load-generator worker threads. */
import type { SparseHistogram } from './histogram';

export interface ClientSpec {
  /** Index of the user in the population (0..N-1). */
  user: number;
  /** http://127.0.0.1:<port> of the node this client connects to. */
  url: string;
  /** socket.io handshake auth: `{ token }` for the gateway, `{ userId, rooms }` for the baseline. */
  auth: Record<string, unknown>;
  /** The user's room of 10 and room of 100. */
  room10: string;
  room100: string;
}

export interface WorkerInit {
  workerId: number;
  clients: ClientSpec[];
  connectTimeoutMs: number;
  ackTimeoutMs: number;
}

export type Request =
  | { type: 'connect'; concurrency: number; users?: [number, number] }
  | { type: 'disconnect'; users: [number, number] }
  | {
      type: 'step';
      stepId: number;
      roomSize: 10 | 100;
      /** This worker's share of the offered rate, messages per second. */
      rate: number;
      durationMs: number;
      /** Users [from, to) who send: the fan-out population. */
      senders: [number, number];
      messageSize: number;
    }
  | { type: 'stats'; stepId: number; histogram: boolean }
  | { type: 'close' };

export interface ConnectResult {
  attempted: number;
  connected: number;
  failed: number;
  /** Wall-clock ms (performance.timeOrigin + now) of the first attempt and of the last settled attempt. */
  startedAt: number;
  finishedAt: number;
  errors: Record<string, number>;
  latency: SparseHistogram;
  latencyMax: number;
}

export interface StepSent {
  sent: number;
  /** Messages the generator could not send in time (it fell behind the offered rate). */
  behind: number;
  startedAt: number;
  endedAt: number;
}

export interface StepStats {
  sent: number;
  acked: number;
  ackErrors: number;
  ackTimeouts: number;
  errorCodes: Record<string, number>;
  received: number;
  /** newMessage events of this step received by sockets outside the step's rooms (should stay 0). */
  strays: number;
  lastReceivedAt: number;
  disconnects: number;
  histogram?: SparseHistogram;
  latencyMax?: number;
}

export type Reply =
  | { type: 'connect'; result: ConnectResult }
  | { type: 'disconnect'; closed: number }
  | { type: 'step'; result: StepSent }
  | { type: 'stats'; result: StepStats }
  | { type: 'close' }
  | { type: 'error'; message: string };

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across threads of one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
