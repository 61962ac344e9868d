/** MonitorEvent is one entry of `GET /api/v1/events` and of the SSE `event` frame. */
export interface MonitorEvent {
  time: string | number;
  cluster: string;
  type: string;
  member?: string;
  message: string;
  details?: Record<string, unknown>;
}
