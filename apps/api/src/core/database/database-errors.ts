// SQLSTATEs that mean "the database cannot serve us now", not "this query is wrong":
// connection exceptions (class 08), shutdowns and start-up (57P01-57P03), too many
// connections (53300), a missing database (3D000).
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '3D000']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);
const DRIVER_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established/i;

/** True when an error says the database is unreachable or refusing connections. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as Error & { code?: unknown; severity?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || NETWORK_CODES.has(code))
      return true;
    // "database … is not currently accepting connections" comes as a FATAL 55000 at connect.
    if (code === '55000' && severity === 'FATAL') return true;
  }
  const cause =
    (error as Error & { driverError?: unknown; cause?: unknown }).driverError ?? error.cause;
  if (cause && cause !== error && isDatabaseUnavailable(cause)) return true;
  return DRIVER_MESSAGES.test(error.message);
}
