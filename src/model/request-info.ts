/**
 * What grants and extensions need to know about the request, free of any HTTP framework. Its own file because
 * both sides import it: grants/types.ts (the grant context) and extensions/inputs.ts (what extension code sees).
 */
export interface RequestInfo {
  /** A short id that tags the request's log lines and its extensions' output. */
  readonly id: string;
  readonly ip: string;
  readonly userAgent: string | undefined;
  readonly hostname: string;
}
