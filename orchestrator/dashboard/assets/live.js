/**
 * Live updates from the service's event stream (`GET /api/events`, server-
 * sent events). The page trades its API token for the stream's cookie
 * (EventSource cannot send headers), opens the stream, and refreshes what
 * it shows when a timeline event arrives; nothing is asked for on a timer.
 *
 * The browser reconnects by itself and sends the last event id it saw, so
 * the service replays what was missed. When the stream is refused (its
 * cookie expired, say), a new cookie is fetched and a new stream opened
 * `after` the last id seen. Only when that fails three times in a row does
 * the page fall back to polling every two seconds, and it says so.
 */
import { openStreamSession } from './api.js';

const MAX_FAILURES = 3;

/**
 * @param onChange - refresh the page (called on connect, on each event burst and on a reset)
 * @param onEvent - one timeline event, as it arrives
 * @param onStatus - `{ mode: 'connecting' | 'live' | 'polling', why? }`
 */
// eslint-disable-next-line max-lines-per-function -- one closure over the page's live state (the event source, the reconnect timer); each handler in it is short
export function startLive({ onChange, onEvent = () => {}, onStatus = () => {}, pollMs = 2000 }) {
  let source;
  let lastId;
  let failures = 0;
  let pollTimer;
  let retryTimer;
  let debounce;

  const changed = () => {
    clearTimeout(debounce);
    // Events come in bursts (preview, policy, apply): one refresh for the burst.
    debounce = setTimeout(onChange, 100);
  };

  function fallBack(why) {
    source?.close();
    source = undefined;
    onStatus({ mode: 'polling', why });
    clearInterval(pollTimer);
    pollTimer = setInterval(onChange, pollMs);
    onChange();
  }

  function failed(why) {
    source?.close();
    source = undefined;
    failures += 1;
    if (failures >= MAX_FAILURES) return fallBack(why);
    onStatus({ mode: 'connecting', why });
    retryTimer = setTimeout(connect, 1000 * failures);
  }

  async function connect() {
    clearTimeout(retryTimer);
    onStatus({ mode: 'connecting' });
    try {
      await openStreamSession();
    } catch (err) {
      return failed(`the event stream's session was refused: ${err.message}`);
    }
    const es = new EventSource(`/api/events${lastId ? `?after=${encodeURIComponent(lastId)}` : ''}`);
    source = es;
    es.addEventListener('ready', (e) => {
      lastId = e.lastEventId || lastId;
      failures = 0;
      onStatus({ mode: 'live' });
      // Whatever happened before the stream was open is read once now.
      onChange();
    });
    es.addEventListener('timeline', (e) => {
      lastId = e.lastEventId;
      try {
        onEvent(JSON.parse(e.data));
      } catch {
        // A malformed event still means something changed.
      }
      changed();
    });
    es.addEventListener('reset', (e) => {
      lastId = e.lastEventId;
      onChange();
    });
    es.onerror = () => {
      // CONNECTING: the browser is reconnecting on its own, with Last-Event-ID. CLOSED: it gave up (401, 503…).
      if (es.readyState === EventSource.CLOSED && source === es) failed('the event stream was closed by the service');
      else if (source === es) onStatus({ mode: 'connecting', why: 'reconnecting' });
    };
  }

  /** Starts over (a new token was typed): a new session, and the stream again. */
  function restart() {
    source?.close();
    source = undefined;
    failures = 0;
    clearInterval(pollTimer);
    void connect();
  }

  void connect();
  return { restart };
}
