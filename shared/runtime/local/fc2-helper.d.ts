/**
 * The string-to-sign builder of `@alicloud/fc2` 2.6.6 (CommonJS, no published declarations): the
 * client that `npm run invoke` uses signs with it, so the local invoke path verifies with it too.
 */
declare module '@alicloud/fc2/lib/helper.js' {
  const helper: {
    /** METHOD \n content-md5 \n content-type \n date \n x-fc-* headers (sorted, "name:value\n") path */
    composeStringToSign(method: string, path: string, headers: Record<string, string>, queries: Record<string, string> | null): string;
  };
  export = helper;
}
