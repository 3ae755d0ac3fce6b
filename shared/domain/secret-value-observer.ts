/**
 * A test-only window on secret values: the test suite installs an observer to learn every value
 * the code generates (passwords, AccessKey secrets, private keys) or seals into a version, and
 * then scans everything the suite logged, published and stored for them. Nothing is observed
 * unless an observer is installed (production never installs one), and nothing is kept here.
 */
export type SecretValueObserver = (value: string) => void;

let observer: SecretValueObserver | null = null;

export const setSecretValueObserver = (next: SecretValueObserver | null): void => {
  observer = next;
};

/** Reports the value to the observer, if any, and returns it unchanged. */
export const observeSecretValue = <T extends string>(value: T): T => {
  observer?.(value);
  return value;
};
