/** Fan-out message building, pure, in Node. The end-to-end path is test/integration/fairness-fanout.test.ts. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { freshState } from '../src/health';
import { fanoutMessages } from '../src/refresh';

const cfg = loadConfig({ MARQUEE_KV: null as never });
const NOW = new Date('2026-11-26T08:00:00Z');
const item = (id: string, urlLength = 40) => {
  const source = { id, url: `https://example.com/${'x'.repeat(urlLength)}/${id}`, title: null, home_page_url: null, category: null };
  return { source, state: { ...freshState(source, cfg), etag: `"${'e'.repeat(40)}"`, lastModified: 'Tue, 05 Apr 2022 22:00:00 GMT' } };
};
const size = (m: unknown) => new TextEncoder().encode(JSON.stringify(m)).byteLength;

describe('fan-out messages', () => {
  it('hold at most FANOUT_BATCH_SIZE sources, in order, each stamped with the run that sent it', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `s${i}`);
    const msgs = fanoutMessages(ids.map((id) => item(id)), 5, NOW);
    expect(msgs.map((m) => m.items.length)).toEqual([5, 5, 2]);
    expect(msgs.flatMap((m) => m.items.map((it) => it.source.id))).toEqual(ids);
    for (const m of msgs) {
      expect(m.v).toBe(2);
      expect(m.sentAt).toBe(NOW.toISOString());
    }
  });

  it('keep one host\'s feeds together, so a host is fetched by one consumer under FETCH_PER_HOST', () => {
    const at = (host: string, id: string) => {
      const source = { id, url: `https://${host}/feed/${id}`, title: null, home_page_url: null, category: null };
      return { source, state: freshState(source, cfg) };
    };
    const ids = Array.from({ length: 12 }, (_, i) => `s${i}`);
    const host = (id: string) => ['a.example', 'b.example', 'c.example'][Number(id.slice(1)) % 3];
    const msgs = fanoutMessages(ids.map((id) => at(host(id), id)), 4, NOW);
    expect(msgs).toHaveLength(3);
    for (const m of msgs) expect(new Set(m.items.map((it) => new URL(it.source.url).host)).size).toBe(1);
    expect(msgs.flatMap((m) => m.items.map((it) => it.source.id)).sort()).toEqual([...ids].sort());
  });

  it('stay under the Queues message limit whatever the batch size (a paid-plan budget of 1,000)', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `source-${i}`);
    const msgs = fanoutMessages(ids.map((id) => item(id, 600)), 1000, NOW);
    expect(msgs.length).toBeGreaterThan(1);
    for (const m of msgs) expect(size(m)).toBeLessThanOrEqual(100_000);
    expect(msgs.flatMap((m) => m.items.map((it) => it.source.id))).toEqual(ids);
  });
});
