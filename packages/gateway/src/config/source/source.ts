// Where a gateway config lives: the gateway and the supervisor read, watch and (for the admin API) write their config
// through this interface, not through a path, so a config kept in etcd is one more implementation (see index.ts), as
// pingap chooses its storage by URL. Every implementation passes the suite in contract.ts.

/** ConfigSnapshot is the config text as read at one version. */
export interface ConfigSnapshot {
  /** text is the TOML document. */
  text: string;
  /** version identifies this content: equal text, equal version; it changes whenever the content does. Opaque to callers. */
  version: string;
}

/** ConfigVersion is one earlier version of the config that a source keeps. */
export interface ConfigVersion extends ConfigSnapshot {
  /** at is when this version was written (epoch ms). */
  at: number;
}

/** WriteOptions guard a write against a concurrent change. */
export interface WriteOptions {
  /** ifVersion makes the write fail with GW_CONFIG_CONFLICT unless the source still holds this version. */
  ifVersion?: string;
}

/** ConfigWatch is a running watch; `close` ends it. */
export interface ConfigWatch {
  /** close stops the notifications. */
  close(): void;
}

/** ConfigSource is where a gateway config is kept: read it, hear about changes, replace it, list earlier versions. */
export interface ConfigSource {
  /** url names the source in logs and errors (`file:///etc/gw.toml`). */
  readonly url: string;
  /** baseDir is where relative paths in the config (certificates, error_template, access logs) resolve. */
  readonly baseDir: string;
  /** path is the file a file source reads, for messages that name it; undefined for other sources. */
  readonly path: string | undefined;
  /** keepsHistory tells whether `history` can return anything; a source without history returns an empty list. */
  readonly keepsHistory: boolean;
  /** read returns the current config text; an unreadable config is an AppError GW_CONFIG_READ naming the source. */
  read(): Promise<ConfigSnapshot>;
  /** watch calls `onChange` (debounced) after the config changed, whoever changed it; the callback reads again. */
  watch(onChange: () => void): ConfigWatch;
  /** write replaces the config text (atomically: a reader sees the old or the new text, never a mix) and returns the new snapshot. */
  write(text: string, opts?: WriteOptions): Promise<ConfigSnapshot>;
  /** history lists earlier versions, newest first (the current one excluded); empty when `keepsHistory` is false. */
  history(): Promise<ConfigVersion[]>;
}
