/** ConnectionTest is `POST /api/v1/clusters/test`: a verdict and one result per endpoint. */
export interface ConnectionTest {
  verdict: string;
  reasons: string[];
  endpoints: Array<{
    endpoint: string;
    ok: boolean;
    id: string | null;
    name: string | null;
    version: string | null;
    isLeader: boolean | null;
    latencyMs: number | null;
    error: string | null;
    hint: string | null;
  }>;
}
