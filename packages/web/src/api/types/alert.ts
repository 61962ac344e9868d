/** Alert is one pending or firing alert of `GET /api/v1/alerts`. */
export interface Alert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'resolved';
  value?: number;
  activeAt?: string;
  startsAt?: string;
  endsAt?: string;
  silencedBy?: string[];
  inhibited?: boolean;
}

/** AlertHistoryEntry is one alert of `GET /api/v1/alerts/history`, newest first. */
export interface AlertHistoryEntry {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  state?: string;
  activeAt?: string;
  startsAt?: string;
  endsAt?: string;
}
