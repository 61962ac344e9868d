import { Button, Code, Group, Modal, Stack, Text } from '@mantine/core';

/** Confirmation is what a destructive console command will do, as the dialog shows it before it runs. */
export interface Confirmation {
  /** title is the dialog's title. */
  title: string;
  /** command is the command line as etcdctl spells it. */
  command: string;
  /** what says what will happen to the cluster. */
  what: string;
  /** action labels the button that runs it. */
  action: string;
}

/** ConfirmDialog asks before a destructive console command runs, naming the command and what it will do. */
export function ConfirmDialog({ confirmation, onCancel, onConfirm }: { confirmation: Confirmation; onCancel: () => void; onConfirm: () => void }) {
  return (
    <Modal opened onClose={onCancel} title={confirmation.title} data-testid="confirm-dialog">
      <Stack gap="sm">
        <Text size="sm">
          <Code>etcdctl {confirmation.command}</Code>
        </Text>
        <Text size="sm" data-testid="confirm-what">
          {confirmation.what}
        </Text>
        <Text size="sm" c="dimmed">
          It is written to the audit log with your name and the result.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel} data-testid="confirm-cancel" data-autofocus>
            Cancel
          </Button>
          <Button color="red" onClick={onConfirm} data-testid="confirm-run">
            {confirmation.action}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
