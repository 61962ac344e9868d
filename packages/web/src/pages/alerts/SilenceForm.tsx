import { useState } from 'react';
import { Alert, Button, Group, SimpleGrid, Stack, TextInput, Textarea } from '@mantine/core';
import { ApiError, errorText } from '../../api/client.ts';
import { useApiMutation } from '../../api/use-api.ts';
import { silenceField, toSilenceInput, validateSilence, type SilenceValues } from './silence.ts';
import type { Silence } from '@etcd-monitor/monitor/contract';

/** SilenceForm creates a silence: matchers (pre-filled from an alert), a duration, who and why; the API's 400 shows at its field. */
export function SilenceForm({ matchers, createdBy, onDone, onCancel }: { matchers: string; createdBy: string; onDone: (s: Silence) => void; onCancel: () => void }) {
  const [v, setV] = useState<SilenceValues>({ matchers, duration: '2h', createdBy, comment: '' });
  const [touched, setTouched] = useState(false);
  const [serverErr, setServerErr] = useState<{ field: keyof SilenceValues | undefined; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // A new silence changes which alerts show as silenced.
  const create = useApiMutation<Silence, SilenceValues>({ method: 'POST', path: '/silences', body: toSilenceInput, invalidates: ['/silences', '/alerts'] });
  const errors = validateSilence(v);
  const show = (k: keyof SilenceValues) => (touched ? errors[k] : undefined) ?? (serverErr?.field === k ? serverErr.text : undefined);
  const set = (k: keyof SilenceValues) => (val: string) => {
    setV((old) => ({ ...old, [k]: val }));
    setServerErr(null);
  };
  const save = async () => {
    setTouched(true);
    if (Object.keys(errors).length) return;
    setBusy(true);
    try {
      onDone(await create.mutateAsync(v));
    } catch (err) {
      setServerErr({ field: silenceField(err instanceof ApiError ? err.field : undefined), text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      noValidate
    >
      <Stack gap="sm">
        <Textarea
          label="Matchers"
          description='One a line: name="value", name!="value", name=~"regex" or name!~"regex"; an alert is silenced when all match'
          required
          autosize
          minRows={2}
          ff="monospace"
          value={v.matchers}
          onChange={(e) => set('matchers')(e.currentTarget.value)}
          error={show('matchers')}
          data-autofocus
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Duration"
            description="From now: 90s, 30m, 2h, 1d12h, 1w"
            required
            value={v.duration}
            onChange={(e) => set('duration')(e.currentTarget.value)}
            error={show('duration')}
          />
          <TextInput label="Created by" required value={v.createdBy} onChange={(e) => set('createdBy')(e.currentTarget.value)} error={show('createdBy')} />
        </SimpleGrid>
        <TextInput
          label="Comment"
          description="Why: a ticket, a maintenance window"
          required
          value={v.comment}
          onChange={(e) => set('comment')(e.currentTarget.value)}
          error={show('comment')}
        />
        {serverErr && serverErr.field === undefined && (
          <Alert color="red" variant="light" role="alert" data-testid="silence-error">
            {serverErr.text}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Create silence
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
