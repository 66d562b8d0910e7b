// Talking to the service: JSON requests, problem details (RFC 9457) and server-sent events
// read from a fetch() body (EventSource cannot POST, nor send the CSRF header).

/** An HTTP error with the service's problem details (or what could be made of the response). */
export class ProblemError extends Error {
  constructor(status, problem, retryAfter) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.retryAfter = retryAfter;
  }
}

/** Reads a failed response as problem details; never throws on a body that is not JSON. */
export async function problemOf(response) {
  let problem = null;
  try {
    const text = await response.text();
    problem = text ? JSON.parse(text) : null;
  } catch (e) {
    problem = null;
  }
  const retry = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  return new ProblemError(response.status, problem, Number.isFinite(retry) ? retry : undefined);
}

/** fetch() that resolves to parsed JSON (or null for 204) and rejects with a ProblemError. */
export async function fetchJson(url, options = {}) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (e) {
    throw new ProblemError(0, {detail: '无法连接服务器'}, undefined);
  }
  if (!response.ok) throw await problemOf(response);
  if (response.status === 204) return null;
  return response.json();
}

/**
 * Feeds the events of a text/event-stream body to onEvent(name, data) as they arrive;
 * data is parsed as JSON when it is JSON. Resolves when the stream ends.
 */
export async function readEvents(response, onEvent, signal) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  const dispatch = (block) => {
    let name = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') name = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    const text = data.join('\n');
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      // plain text data
    }
    onEvent(name, parsed);
  };
  while (true) {
    if (signal && signal.aborted) break;
    const {value, done} = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, {stream: true}).replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      dispatch(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
  buffer += decoder.decode();
  if (buffer.trim()) dispatch(buffer);
}
