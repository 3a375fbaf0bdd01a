// HAProxy runtime API client: one command per connection, plus a `show stat` CSV parser.
import net from 'node:net';
import { formatSocketAddress, type HaproxyServerRef, type SocketAddress } from '../config/types.js';

export const DEFAULT_TIMEOUT_MS = 3000;

/** `/run/haproxy.sock` or `127.0.0.1:9999`, as a person would type it in `haproxy-socket`. */
export const formatAddress = (address: SocketAddress): string => formatSocketAddress(address);

/**
 * Send one command line (several may be joined with `;`) and return everything HAProxy wrote
 * before closing. HAProxy closes a non-interactive CLI connection once the line is answered, so
 * "read until close" is the end-of-reply marker; the timeout bounds a peer that never closes.
 */
export function sendCommand(
  address: SocketAddress,
  line: string,
  opts: { timeoutMs?: number } = {},
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = `HAProxy runtime API at ${formatAddress(address)}`;
  if (/[\r\n]/.test(line)) {
    return Promise.reject(new Error(`${where}: a command must be one line, got ${JSON.stringify(line)}`));
  }
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let connected = false;
    let settled = false;
    const socket =
      address.kind === 'unix'
        ? net.createConnection({ path: address.path })
        : net.createConnection({ host: address.host, port: address.port });
    const finish = (err: Error | undefined, value?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? '');
    };
    const timer = setTimeout(() => {
      const phase = connected ? `no complete reply to "${line}"` : 'could not connect';
      finish(
        new Error(
          `${where}: ${phase} within ${timeoutMs} ms — is HAProxy running and answering on this socket?`,
        ),
      );
    }, timeoutMs);
    socket.on('connect', () => {
      connected = true;
      socket.write(`${line}\n`);
    });
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', () => finish(undefined, Buffer.concat(chunks).toString('utf8')));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? e.message;
      const msg = connected
        ? `${where}: connection lost during "${line}" (${code})`
        : `${where}: connect ${code} — is HAProxy running and is "stats socket" configured?`;
      finish(new Error(msg));
    });
  });
}

/** Split one CSV line; HAProxy quotes a field only when it holds a comma or a quote. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Parse `show stat` CSV into rows keyed by column name. Columns are read from the `# pxname,...`
 * header rather than by position because their number and order change between HAProxy versions.
 */
export function parseShowStat(csv: string): Record<string, string>[] {
  const lines = csv.split('\n').map((l) => l.replace(/\r$/, ''));
  const headerAt = lines.findIndex((l) => l.startsWith('# '));
  if (headerAt < 0) {
    const first = lines.find((l) => l.trim() !== '') ?? '(empty reply)';
    throw new Error(
      `HAProxy "show stat" reply has no "# pxname,svname,..." header; it said: ${first.slice(0, 200)}`,
    );
  }
  const columns = splitCsvLine((lines[headerAt] ?? '').slice(2));
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (line.trim() === '') continue;
    const values = splitCsvLine(line);
    const row: Record<string, string> = {};
    columns.forEach((name, i) => {
      // the header ends with a trailing comma: skip its empty last name
      if (name !== '') row[name] = values[i] ?? '';
    });
    rows.push(row);
  }
  return rows;
}

/**
 * The stats row of one server, or an error naming the input that pointed at it and what exists.
 * `input` is the action input the ref came from (`blue-target` / `green-target`).
 */
export function findServerRow(
  rows: Record<string, string>[],
  ref: HaproxyServerRef,
  input: string,
  address: SocketAddress,
): Record<string, string> {
  const row = rows.find((r) => r.pxname === ref.backend && r.svname === ref.server);
  if (row) return row;
  const known = rows
    .filter((r) => r.svname !== 'FRONTEND' && r.svname !== 'BACKEND')
    .map((r) => `${r.pxname}/${r.svname}`);
  throw new Error(
    `${input} "${ref.backend}/${ref.server}" is not a server of HAProxy at ${formatAddress(address)}; ` +
      `servers it has: ${known.length ? known.join(', ') : '(none)'} (accepted form: backend/server)`,
  );
}

/** `show stat` limited to server rows (-1 = every proxy, 4 = servers, -1 = every server). */
export const SHOW_SERVER_STATS = 'show stat -1 4 -1';

/**
 * `show servers state [<backend>]`: a format version line, a `# be_id be_name …` header, then one
 * space-separated row per server; keyed by column name (srv_addr, srv_port, srv_use_ssl, …).
 */
export function parseServersState(text: string): Record<string, string>[] {
  const lines = text.split('\n').map((l) => l.trim());
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) return [];
  const columns = header.slice(2).split(/\s+/);
  return lines
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(/\s+/))
    .filter((parts) => parts.length >= Math.min(columns.length, 5))
    .map((parts) => Object.fromEntries(columns.map((c, i) => [c, parts[i] ?? ''])));
}
