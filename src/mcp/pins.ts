/**
 * @module The pin book: approved tool-definition hashes per (server, tool), persisted so every instance and
 * every restart agrees on what was approved. A definition that no longer matches is quarantined: hidden from
 * listings, refused on call, recorded with its full text for the admin who reviews it.
 */
import {
  canonicalSha256,
  judgePin,
  type PinnableTool,
  type PinRecord,
  pinnedDefinition,
  pinToolDefinition,
} from '../domain/mcp/index.ts';
import { type McpPinRow, mcpRepository, type Store } from '../store/index.ts';

export interface PinOutcome {
  sha256: string;
  status: 'approved' | 'quarantined';
  /** True when this listing is what moved the tool into quarantine (worth an audit record). */
  newlyQuarantined: boolean;
}

export class PinBook {
  private readonly store: Store;
  private readonly mode: 'tofu' | 'manual';
  private readonly records = new Map<string, PinRecord>();

  constructor(store: Store, mode: 'tofu' | 'manual') {
    this.store = store;
    this.mode = mode;
  }

  private static key(server: string, tool: string): string {
    return `${server}\u0000${tool}`;
  }

  async load(): Promise<void> {
    this.records.clear();
    for (const row of await mcpRepository.listPins(this.store.read)) {
      this.records.set(PinBook.key(row.serverId, row.toolName), {
        approvedSha256: row.approvedSha256,
        pendingSha256: row.pendingSha256,
      });
    }
  }

  /** Re-reads one server's pins (another instance or the admin API may have approved something). */
  async reload(server: string): Promise<void> {
    for (const row of await mcpRepository.listPins(this.store.read, server)) {
      this.records.set(PinBook.key(row.serverId, row.toolName), {
        approvedSha256: row.approvedSha256,
        pendingSha256: row.pendingSha256,
      });
    }
  }

  async judge(server: string, tool: PinnableTool): Promise<PinOutcome> {
    return this.judgeDefinition(server, tool.name, pinnedDefinition(tool), pinToolDefinition(tool));
  }

  /** Judges any pinned definition under its pin key (`pinKey` in src/domain/mcp). */
  async judgeDefinition(
    server: string,
    name: string,
    definition: Record<string, unknown>,
    sha256 = canonicalSha256(definition),
  ): Promise<PinOutcome> {
    const key = PinBook.key(server, name);
    const existing = this.records.get(key) ?? null;
    const verdict = judgePin(existing, sha256, this.mode);
    const newlyQuarantined = verdict.status === 'quarantined' && existing?.pendingSha256 !== sha256;
    if (verdict.changed) {
      await mcpRepository.writePin(this.store.write, {
        serverId: server,
        toolName: name,
        approvedSha256: verdict.record.approvedSha256,
        pendingSha256: verdict.record.pendingSha256,
        pendingDefinition: verdict.record.pendingSha256 ? JSON.stringify(definition) : null,
        approvedBy: null,
      });
      this.records.set(key, verdict.record);
    }
    return { sha256, status: verdict.status, newlyQuarantined };
  }

  async approve(server: string, tool: string, sha256: string, by: string | null): Promise<boolean> {
    const approved = await mcpRepository.approvePin(this.store.write, server, tool, sha256, by);
    if (approved) this.records.set(PinBook.key(server, tool), { approvedSha256: sha256, pendingSha256: null });
    return approved;
  }

  list(server?: string): Promise<McpPinRow[]> {
    return mcpRepository.listPins(this.store.read, server);
  }
}
