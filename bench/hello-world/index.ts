/** The smallest FC handler, bundled exactly like the real functions: the cold-start baseline. */
export const handler = async (): Promise<string> => 'hello world';
