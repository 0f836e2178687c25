// How `make generate-clients` turns ../../openapi.yaml into the TypeScript client in
// generated/ (pinned @hey-api/openapi-ts, see the root package.json). The output is
// committed; `make check-clients` regenerates it and fails on any difference.
import { defineConfig } from '@hey-api/openapi-ts';

export default defineConfig({
  input: process.env.OPENAPI_TS_INPUT ?? '../../openapi.yaml',
  output: {
    path: process.env.OPENAPI_TS_OUTPUT ?? 'generated',
    // NodeNext module resolution: imports get their `.js` suffix, so tsc and node agree.
    // An absolute path: openapi-ts resolves a relative one against its own folder, finds
    // no tsconfig there, and then leaves the suffix out.
    tsConfigPath: new URL('./tsconfig.json', import.meta.url).pathname,
  },
  logs: { level: 'warn' },
  plugins: [
    // The default address is servers[0], the local reference service.
    '@hey-api/client-fetch',
    '@hey-api/typescript',
    // zod's default date-time accepts only `Z`; the service sends `+00:00` offsets.
    { name: 'zod', dates: { offset: true } },
    // Every response is checked against the contract before the caller sees it.
    { name: '@hey-api/sdk', validator: { response: 'zod' } },
  ],
});
