// Runs a command (an API call that changes something, often one a charger answers) and keeps
// its outcome for the screen: the charger's answer or the error, never a silent failure.
import { useState } from 'react';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown } | null;

export function useCommand<V>(fn: (v: V) => Promise<unknown>, invalidate: QueryKey[] = []) {
  const client = useQueryClient();
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<Outcome>(null);
  const run = async (v: V): Promise<unknown> => {
    setPending(true);
    setResult(null);
    try {
      const value = await fn(v);
      setResult({ ok: true, value });
      return value;
    } catch (error) {
      setResult({ ok: false, error });
      return undefined;
    } finally {
      setPending(false);
      for (const queryKey of invalidate) void client.invalidateQueries({ queryKey });
    }
  };
  return { run, pending, result, reset: () => setResult(null) };
}
