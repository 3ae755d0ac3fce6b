/**
 * A backing service (state store, key service) that did not answer, timed out or said it is
 * overloaded: the same request may well succeed a little later. Adapters mark such errors with
 * `unavailable: true`; the API answers them ServiceUnavailable (503), which clients retry, rather
 * than InternalFailure (500), which says something is broken.
 */
export interface UnavailableMark {
  readonly unavailable: boolean;
}

export const isServiceUnavailable = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as Partial<UnavailableMark>).unavailable === true;
