// A filter kept in the URL (shareable, survives a reload), typed into a local state first so that
// the list is queried after a pause in typing, not on every key.
import { useEffect, useState } from 'react';
import { setParams, useLocation } from './router.tsx';

export function useTextParam(name: string, delayMs = 300): [value: string, setValue: (v: string) => void, settled: string] {
  const { params } = useLocation();
  const settled = params.get(name) ?? '';
  const [value, setValue] = useState(settled);
  useEffect(() => {
    if (value === settled) return;
    const t = setTimeout(() => setParams({ [name]: value }), delayMs);
    return () => clearTimeout(t);
    // Only typing schedules a write; a change of the URL itself (back button) is taken below.
  }, [value]);
  useEffect(() => setValue(settled), [settled]);
  return [value, setValue, settled];
}
