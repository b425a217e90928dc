// The local authorization list as data: what a charger should hold, how it differs from what it
// holds, and the SendLocalList messages that take it there. Pure: no database, no sockets.
import type { IdTag } from '../../db/schema.ts';

export type EntryStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';
export type UpdateType = 'Full' | 'Differential';

export interface ListEntry {
  idTag: string;
  status: EntryStatus;
  expiryDate: string | null;
  parentIdTag: string | null;
}

/** OCPP 1.6 §7.1 AuthorizationData: without idTagInfo it deletes the idTag (Differential only). */
export interface AuthorizationData {
  idTag: string;
  idTagInfo?: { status: EntryStatus; expiryDate?: string; parentIdTag?: string };
}

export interface PlannedUpdate {
  updateType: UpdateType;
  localAuthorizationList: AuthorizationData[];
  /** entries without idTagInfo */
  deletions: number;
}

export interface ListDiff {
  /** entries to add or change, with their new idTagInfo */
  upserts: ListEntry[];
  /** idTags the charger holds that it should not */
  deletions: string[];
}

/** OCPP integers are commonly held in 32 bits by chargers. */
const MAX_LIST_VERSION = 2_147_483_647;

const byIdTag = (a: { idTag: string }, b: { idTag: string }) => (a.idTag < b.idTag ? -1 : a.idTag > b.idTag ? 1 : 0);

/** A token as a list entry: its stored status, expiry and group, as Authorize would tell them. */
export function entryOf(t: IdTag): ListEntry {
  return { idTag: t.id_tag, status: t.status, expiryDate: t.expiry_date, parentIdTag: t.parent_id_tag };
}

/**
 * At most `max` entries (LocalAuthListMaxLength), in idTag order. When some must go, Accepted
 * tokens are kept first: a charger offline with a full list should still let its users charge,
 * while a token left out is only as refused as an unknown one (AllowOfflineTxForUnknownId).
 */
export function limitEntries(entries: readonly ListEntry[], max: number | null): { entries: ListEntry[]; truncated: number } {
  const sorted = [...entries].sort(byIdTag);
  if (max === null || sorted.length <= max) return { entries: sorted, truncated: 0 };
  const kept = [...sorted.filter((e) => e.status === 'Accepted'), ...sorted.filter((e) => e.status !== 'Accepted')].slice(0, Math.max(0, max));
  return { entries: kept.sort(byIdTag), truncated: sorted.length - kept.length };
}

export function sameEntry(a: ListEntry, b: ListEntry): boolean {
  return a.idTag === b.idTag && a.status === b.status && a.expiryDate === b.expiryDate && a.parentIdTag === b.parentIdTag;
}

/** What changes take a charger holding `held` to `desired`. */
export function diffLists(held: readonly ListEntry[], desired: readonly ListEntry[]): ListDiff {
  const heldById = new Map(held.map((e) => [e.idTag, e]));
  const wanted = new Set(desired.map((e) => e.idTag));
  const upserts = desired.filter((e) => {
    const h = heldById.get(e.idTag);
    return !h || !sameEntry(h, e);
  });
  const deletions = held.filter((e) => !wanted.has(e.idTag)).map((e) => e.idTag).sort();
  return { upserts: [...upserts].sort(byIdTag), deletions };
}

export function isEmptyDiff(d: ListDiff): boolean {
  return d.upserts.length === 0 && d.deletions.length === 0;
}

export function toAuthorizationData(e: ListEntry): AuthorizationData {
  const idTagInfo: NonNullable<AuthorizationData['idTagInfo']> = { status: e.status };
  if (e.expiryDate) idTagInfo.expiryDate = e.expiryDate;
  if (e.parentIdTag) idTagInfo.parentIdTag = e.parentIdTag;
  return { idTag: e.idTag, idTagInfo };
}

/** An entry of a sent list back as a held entry; null for a deletion. */
export function fromAuthorizationData(d: AuthorizationData): ListEntry | null {
  if (!d.idTagInfo) return null;
  return { idTag: d.idTag, status: d.idTagInfo.status, expiryDate: d.idTagInfo.expiryDate ?? null, parentIdTag: d.idTagInfo.parentIdTag ?? null };
}

function chunks<T>(items: readonly T[], size: number | null): T[][] {
  if (size === null || size <= 0 || items.length <= size) return [[...items]];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A Full update of `entries`, split by SendLocalListMaxLength (OCPP 1.6 §9.4.3): the first
 * chunk as Full (it replaces whatever the charger held), the rest as Differential additions.
 * Every entry carries idTagInfo (§7.1: required in a Full update). An empty list is one Full
 * update with no entries: it empties the charger's list.
 */
export function planFull(entries: readonly ListEntry[], sendMax: number | null): PlannedUpdate[] {
  return chunks(entries.map(toAuthorizationData), sendMax).map((list, i) => ({ updateType: i === 0 ? 'Full' : 'Differential', localAuthorizationList: list, deletions: 0 }));
}

/**
 * Differential updates carrying `diff`, split by SendLocalListMaxLength. Deletions (entries
 * without idTagInfo, §7.1) go first, so that the charger's list never grows past
 * LocalAuthListMaxLength on the way.
 */
export function planDifferential(diff: ListDiff, sendMax: number | null): PlannedUpdate[] {
  const all: AuthorizationData[] = [...diff.deletions.map((idTag) => ({ idTag })), ...diff.upserts.map(toAuthorizationData)];
  if (all.length === 0) return [];
  return chunks(all, sendMax).map((list) => ({ updateType: 'Differential', localAuthorizationList: list, deletions: list.filter((d) => !d.idTagInfo).length }));
}

/**
 * The next listVersion: above every version the charger has seen or reported. Never 0 or -1
 * (OCPP 1.6 errata 3.52: those mean "no list" and "not supported" in GetLocalListVersion).
 */
export function nextListVersion(...seen: Array<number | null | undefined>): number {
  const top = Math.max(0, ...seen.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
  // Past 2^31-1 start again at 1: a charger then answers a Differential with VersionMismatch,
  // and the Full update that follows re-establishes the list.
  return top >= MAX_LIST_VERSION ? 1 : top + 1;
}

/** Applies an accepted update to what the charger held. */
export function applyUpdate(held: readonly ListEntry[], update: PlannedUpdate): ListEntry[] {
  const map = update.updateType === 'Full' ? new Map<string, ListEntry>() : new Map(held.map((e) => [e.idTag, e]));
  for (const d of update.localAuthorizationList) {
    const e = fromAuthorizationData(d);
    if (e) map.set(e.idTag, e);
    else map.delete(d.idTag);
  }
  return [...map.values()].sort(byIdTag);
}
