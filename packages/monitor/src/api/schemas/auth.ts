import { Type, type Static } from 'typebox';
import { NameParams, StringEnum } from './common.ts';

/** Role is what a principal may do: viewer reads, operator also silences and tests, admin changes everything. */
export const Role = StringEnum(['viewer', 'operator', 'admin']);
export type Role = Static<typeof Role>;

/** Whoami is `GET /api/v1/whoami`: the caller's name and role. */
export const Whoami = Type.Object({ name: Type.String(), role: Role });
export type Whoami = Static<typeof Whoami>;

/** LoginBody is the body of `POST /api/v1/login`. */
export const LoginBody = Type.Object({ username: Type.String({ maxLength: 256 }), password: Type.String({ maxLength: 1024 }) });

/** Session is what `POST /api/v1/login` answers: the token (also set as the em_session cookie), when it expires and who it is. */
export const Session = Type.Object({ token: Type.String(), expiresAt: Type.String(), user: Whoami });
export type Session = Static<typeof Session>;

/** User is one user of `GET /api/v1/users` (never the password hash). */
export const User = Type.Object({ name: Type.String(), role: Role, createdAt: Type.String() });
export type User = Static<typeof User>;

/** UserParams is the `:name` of a user. */
export const UserParams = NameParams;

/** UserBody is the body of `PUT /api/v1/users/NAME`. */
export const UserBody = Type.Object({ password: Type.String({ maxLength: 1024 }), role: Role });
