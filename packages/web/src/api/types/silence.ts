/** Silence is one silence of `GET /api/v1/silences`: matchers as written (`name="value"`), times as ISO strings. */
export interface Silence {
  id: string;
  matchers: string[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  state?: 'active' | 'pending' | 'expired' | string;
  updatedAt?: string;
}
