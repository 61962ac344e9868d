import { Type, type Static } from 'typebox';
import { Nullable } from './common.ts';

/** VersionInfo is `GET /api/v1/version`: which etcd-monitor is running. */
export const VersionInfo = Type.Object({
  version: Type.String(),
  node: Type.String({ description: 'the Node.js version' }),
  commit: Nullable(Type.String({ description: 'the git commit when it runs from a checkout' })),
});
export type VersionInfo = Static<typeof VersionInfo>;
