import { useState } from 'react';
import { Button, Group, Modal, PasswordInput, Stack, Text, Textarea } from '@mantine/core';

/** OpsInputDialog asks for what etcdctl reads from the terminal: a user's password (masked, never kept in the console's history), or a transaction's text. */
export function OpsInputDialog({ what, user, onCancel, onSubmit }: { what: 'password' | 'txn'; user?: string; onCancel: () => void; onSubmit: (value: string) => void }) {
  const [value, setValue] = useState('');
  const txn = what === 'txn';
  return (
    <Modal opened onClose={onCancel} title={txn ? 'Transaction' : `Password of ${user ?? 'the user'}`} size={txn ? 'lg' : 'md'} data-testid="ops-input-dialog">
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          onSubmit(value);
        }}
      >
        <Stack gap="sm">
          {txn ? (
            <>
              <Text size="sm">
                As etcdctl txn reads it: the compares (such as <code>mod(&quot;k&quot;) &gt; &quot;0&quot;</code>), an empty line, the requests to run when they all hold (
                <code>put k v</code>, <code>get k</code>, <code>del k</code>), an empty line, the requests to run otherwise.
              </Text>
              <Textarea
                label="compares, success requests, failure requests"
                autosize
                minRows={7}
                value={value}
                onChange={(ev) => setValue(ev.currentTarget.value)}
                styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                spellCheck={false}
                data-autofocus
                data-testid="txn-text"
              />
            </>
          ) : (
            <PasswordInput
              label="Password"
              description="Sent to etcd only: it is not shown, kept in the history, nor written to the audit log."
              value={value}
              onChange={(ev) => setValue(ev.currentTarget.value)}
              autoComplete="new-password"
              data-autofocus
              data-testid="ops-password"
            />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
            <Button type="submit" disabled={!txn && value === ''} data-testid="ops-input-submit">
              {txn ? 'Run the transaction' : 'Set the password'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
