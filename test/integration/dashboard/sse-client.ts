/** One event as a reader of `text/event-stream` sees it. */
export interface ReadEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * A minimal reader of the service's event stream over real HTTP, as a
 * browser's EventSource would read it (fields per line, events at blank
 * lines, comments kept apart), for tests that need its headers and ids.
 */
export async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: ReadEvent[] = [];
  const comments: string[] = [];
  let waiters: (() => void)[] = [];
  const reading = (async () => {
    if (!res.ok || !res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    let current: { id?: string; event?: string; data?: string[] } = {};
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line === '') {
            if (current.data) events.push({ ...(current.id ? { id: current.id } : {}), event: current.event ?? 'message', data: current.data.join('\n') });
            current = {};
            for (const w of waiters) w();
            waiters = [];
          } else if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else {
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'data') (current.data ??= []).push(value);
            else if (field === 'id') current.id = value;
            else if (field === 'event') current.event = value;
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    res,
    events,
    comments,
    /** Waits until `check` holds of what was read, or fails after `ms`. */
    async until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; read ${JSON.stringify(events)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    async close(): Promise<void> {
      controller.abort();
      await reading;
    },
  };
}
