/** Whoami is `GET /api/v1/whoami`: the caller's name and role. */
export interface Whoami {
  name: string;
  role: 'viewer' | 'operator' | 'admin';
}
