// The DocStore half of the SQLite store: JSON documents by kind and key.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { AppError, errorMessage } from '@etcd-monitor/core';
import { checkDocKey, checkDocKind } from './validate.ts';
import type { DocStore } from './types.ts';

/** SqliteDocs implements DocStore over an open database; `open` throws once the store is closed. */
export class SqliteDocs implements DocStore {
  private readonly open: () => void;
  private readonly now: () => number;
  private readonly st: Record<'put' | 'get' | 'list' | 'del', StatementSync>;

  constructor(db: DatabaseSync, open: () => void, now: () => number) {
    this.open = open;
    this.now = now;
    this.st = {
      put: db.prepare('INSERT OR REPLACE INTO docs (kind, key, doc, updated) VALUES (?, ?, ?, ?)'),
      get: db.prepare('SELECT doc FROM docs WHERE kind = ? AND key = ?'),
      list: db.prepare('SELECT key, doc FROM docs WHERE kind = ? ORDER BY key'),
      del: db.prepare('DELETE FROM docs WHERE kind = ? AND key = ?'),
    };
  }

  putDoc(kind: string, key: string, doc: unknown): void {
    this.open();
    checkDocKey(kind, key);
    let text: string | undefined;
    try {
      text = JSON.stringify(doc);
    } catch (err) {
      throw new AppError('MON_STORE_BAD_DOC', `doc: cannot be serialised as JSON: ${errorMessage(err)}`, { field: 'doc', cause: err });
    }
    if (text === undefined) throw new AppError('MON_STORE_BAD_DOC', 'doc: must be a JSON value, got undefined', { field: 'doc' });
    this.st.put.run(kind, key, text, this.now());
  }

  getDoc(kind: string, key: string): unknown {
    this.open();
    checkDocKey(kind, key);
    const row = this.st.get.get(kind, key) as { doc: string } | undefined;
    return row === undefined ? undefined : JSON.parse(row.doc);
  }

  listDocs(kind: string): Array<{ key: string; doc: unknown }> {
    this.open();
    checkDocKind(kind);
    return this.st.list.all(kind).map((r) => ({ key: r.key as string, doc: JSON.parse(r.doc as string) }));
  }

  deleteDoc(kind: string, key: string): boolean {
    this.open();
    checkDocKey(kind, key);
    return Number(this.st.del.run(kind, key).changes) > 0;
  }
}
