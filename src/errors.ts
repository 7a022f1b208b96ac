/**
 * The emulator's errors outside the OAuth family (oauth/errors.ts), told apart by class, never by their
 * text. Their message is written for the person using the emulator: the CLI prints it as it is (no stack),
 * and http/render-error.ts is the one place that turns those a request can cause into an answer.
 *
 *   EmulatorError   config (ConfigError), signing keys (KeyError), the state folder (StateError), a busy port
 *                   (PortInUseError): the CLI's exit messages; a StateError during a request is a 500
 *   RequestError    a call the emulator refuses, with a status and a code: runtime changes (ChangeError),
 *                   minting (MintError); answered in the dialect of where it was asked (the Management API's
 *                   JSON under /api/v2, OAuth's JSON on the control plane)
 */
export class EmulatorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class RequestError extends EmulatorError {
  /** The HTTP status, as the Management API would answer (400, 404, 409). */
  readonly status: number;
  /** The error code: the control plane's `error`, the Management API's `errorCode`. */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
