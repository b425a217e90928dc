// The charger's own memory of tokens: the Local Authorization List the central system manages
// (OCPP 1.6 §3.5.3, §5.15) and the Authorization Cache it fills from answers (§3.5.2).
import type { OCPP16 } from 'typed-ocpp';

export type IdTagInfo = OCPP16.AuthorizeResponse['idTagInfo'];
type SendLocalListStatus = OCPP16.SendLocalListResponse['status'];

export class LocalAuth {
  /** null until the first SendLocalList */
  #list: Map<string, IdTagInfo> | null = null;
  #version = 0;
  #cache: Map<string, IdTagInfo> | null = null;

  /** SendLocalList: the list is replaced (Full) or patched (Differential, entries without idTagInfo are removed). */
  sendLocalList(req: OCPP16.SendLocalListRequest, limits: { enabled: boolean; maxLength: number; sendMaxLength: number }): SendLocalListStatus {
    if (!limits.enabled) return 'NotSupported';
    const entries = req.localAuthorizationList ?? [];
    if (entries.length > limits.sendMaxLength) return 'Failed';
    let next: Map<string, IdTagInfo>;
    if (req.updateType === 'Full') {
      if (entries.some((e) => !e.idTagInfo)) return 'Failed';
      next = new Map(entries.map((e) => [e.idTag, e.idTagInfo!]));
    } else {
      // §5.15: a differential update must be newer than the list it patches.
      if (req.listVersion <= this.#version) return 'VersionMismatch';
      next = new Map(this.#list ?? []);
      for (const e of entries) {
        if (e.idTagInfo) next.set(e.idTag, e.idTagInfo);
        else next.delete(e.idTag);
      }
    }
    if (next.size > limits.maxLength) return 'Failed';
    this.#list = next;
    this.#version = req.listVersion;
    return 'Accepted';
  }

  /** GetLocalListVersion (§5.10): -1 when the list is not supported, 0 when it is empty. */
  version(enabled: boolean): number {
    if (!enabled) return -1;
    return this.#list && this.#list.size > 0 ? this.#version : 0;
  }

  /** What the list (first, it is authoritative) or the cache says about a token; an expired entry reads as Expired. */
  lookup(idTag: string, opts: { listEnabled: boolean; cacheEnabled: boolean }, now: number): IdTagInfo | undefined {
    const info = (opts.listEnabled ? this.#list?.get(idTag) : undefined) ?? (opts.cacheEnabled ? this.#cache?.get(idTag) : undefined);
    if (info?.expiryDate && Date.parse(info.expiryDate) <= now) return { ...info, status: 'Expired' };
    return info;
  }

  remember(idTag: string, info: IdTagInfo): void {
    (this.#cache ??= new Map()).set(idTag, info);
  }

  clearCache(): void {
    this.#cache = null;
  }

  get listSize(): number {
    return this.#list?.size ?? 0;
  }
}
