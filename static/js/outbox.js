// What a phone sends that must not be lost to a dropped connection (a question, an
// answer): each item gets its own random id, is kept on the phone until the server
// has acknowledged it, and is sent again after every reconnect under the same id, so
// that the server counts it once.
//
// Kept in localStorage under `workshop:<code>:outbox`: a JSON list of
// {event, data, slot?, refused?}, oldest first (data carries the client_id).

// Random, never the time: an id must not tell which posts came from one phone.
export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// Answers that mean "not there": the item stays and goes with the next reconnect.
const KEEP = ['offline', 'timeout'];
const QUEUED = {
  ok: false, error: 'queued', message: 'Saved on this phone: it will be sent when the connection is back.',
};
const REFUSED = 'What you sent while offline was not accepted:';

// request(event, data) sends and waits for the ack (live.js); notify(text) tells the
// delegate about an item the server turned down when it was sent again later.
export function createOutbox({ code, request, notify }) {
  const key = `workshop:${code}:outbox`;
  let closed = false;  // forgotten: nothing is written again
  const returned = [];  // turned down when sent again: {event, data, message}

  const read = () => {
    try { return JSON.parse(localStorage.getItem(key)) || []; } catch { return []; }
  };
  const write = (items) => {
    if (closed) return;
    try {
      if (items.length) localStorage.setItem(key, JSON.stringify(items));
      else localStorage.removeItem(key);
    } catch { /* private mode: kept for this page only, as sent */ }
  };
  const drop = (item) => write(read().filter((i) => i.data.client_id !== item.data.client_id));

  async function send(item) {
    const answer = await request(item.event, item.data);
    if (!KEEP.includes(answer.error) && answer.error !== 'too_soon') drop(item);
    return answer;
  }

  // After every (re)connect of a joined phone: what waits goes now, oldest first, one
  // at a time. "Too soon" waits as long as the server says, once; a refusal is dropped
  // and the delegate told why.
  let resending = false;
  async function resend() {
    if (resending || closed) return;
    resending = true;
    try {
      for (const item of read()) {
        let answer = await send(item);
        if (answer.error === 'too_soon') {
          const wait = Number(answer.message?.match(/\d+/)?.[0] || 10);
          await new Promise((resolve) => { setTimeout(resolve, wait * 1000 + 200); });
          answer = await send(item);
        }
        if (KEEP.includes(answer.error)) break;
        if (!answer.ok) {
          drop(item);
          returned.push({ event: item.event, data: item.data, message: answer.message });
          notify?.(`${item.refused || REFUSED} ${answer.message}`);
        }
      }
    } finally {
      resending = false;
    }
  }

  return {
    // Send event with data (a client_id added) through the outbox; resolves with the
    // ack, or QUEUED while the phone is offline. An item with a `slot` replaces one
    // waiting in the same slot (an answer changed while offline); `refused` starts
    // the note shown if the server turns it down when it is sent again.
    async submit(event, data = {}, { slot, refused } = {}) {
      const item = { event, data: { ...data, client_id: newId() } };
      if (slot !== undefined) item.slot = slot;
      if (refused) item.refused = refused;
      write([...read().filter((i) => slot === undefined || i.slot !== slot), item]);
      const answer = await send(item);
      if (answer.error === 'too_soon') drop(item);
      return KEEP.includes(answer.error) ? { ...QUEUED } : answer;
    },
    resend,
    // The data of the items of `event` still waiting to be sent.
    waiting: (event) => read().filter((i) => i.event === event).map((i) => i.data),
    // The items of `event` turned down when sent again, each given once.
    returned(event) {
      const mine = returned.filter((i) => i.event === event);
      mine.forEach((i) => returned.splice(returned.indexOf(i), 1));
      return mine.map(({ data, message }) => ({ data, message }));
    },
    // The phone is no longer this delegate's, or the workshop is gone.
    forget() {
      write([]);
    },
    close() {
      write([]);
      closed = true;
    },
  };
}
