// Query hooks: one per resource, with the cache keys the event stream invalidates (events.ts).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, type Query } from './client.ts';
import type {
  Page, Station, StatusHistoryEntry, Transaction, TransactionDetail, Token, UnknownToken, UnknownStation, LoggedMessage, Reservation,
} from './types.ts';

const list = { placeholderData: keepPreviousData };

export const useStations = (q: Query) =>
  useQuery({ queryKey: ['stations', q], queryFn: ({ signal }) => api<Page<Station>>('/stations', { query: q, signal }), ...list });

export const useStation = (id: string) =>
  useQuery({ queryKey: ['station', id], queryFn: ({ signal }) => api<Station>(`/stations/${encodeURIComponent(id)}`, { signal }) });

export const useHistory = (id: string, connectorId: number, q: Query) =>
  useQuery({
    queryKey: ['history', id, connectorId, q],
    queryFn: ({ signal }) => api<Page<StatusHistoryEntry>>(`/stations/${encodeURIComponent(id)}/connectors/${connectorId}/history`, { query: q, signal }),
    ...list,
  });

export const useUnknownStations = (q: Query) =>
  useQuery({
    queryKey: ['unknown-stations', q],
    queryFn: ({ signal }) => api<Page<UnknownStation>>('/unknown-stations', { query: q, signal }),
    // Refused connections raise no event: look again now and then.
    refetchInterval: 30_000,
    ...list,
  });

export const useTransactions = (q: Query) =>
  useQuery({ queryKey: ['transactions', q], queryFn: ({ signal }) => api<Page<Transaction>>('/transactions', { query: q, signal }), ...list });

export const useTransaction = (id: number) =>
  useQuery({ queryKey: ['transaction', id], queryFn: ({ signal }) => api<TransactionDetail>(`/transactions/${id}`, { signal }) });

export const useTokens = (q: Query) =>
  useQuery({ queryKey: ['tokens', q], queryFn: ({ signal }) => api<Page<Token>>('/tokens', { query: q, signal }), ...list });

export const useUnknownTokens = (q: Query) =>
  useQuery({ queryKey: ['unknown-tokens', q], queryFn: ({ signal }) => api<Page<UnknownToken>>('/unknown-tokens', { query: q, signal }), ...list });

export const useMessages = (id: string, q: Query, live: boolean) =>
  useQuery({
    queryKey: ['messages', id, q],
    queryFn: ({ signal }) => api<Page<LoggedMessage>>(`/stations/${encodeURIComponent(id)}/messages`, { query: q, signal }),
    // Most frames raise an event, but not all (Authorize, DataTransfer): a slow poll catches the rest.
    refetchInterval: live ? 5000 : false,
    ...list,
  });

export const useReservations = (q: Query) =>
  useQuery({ queryKey: ['reservations', q], queryFn: ({ signal }) => api<Page<Reservation>>('/reservations', { query: q, signal }), ...list });
