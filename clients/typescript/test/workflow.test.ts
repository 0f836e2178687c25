// The seed's workflow and the provider side, through the generated TypeScript client.
//
// Environment (set by tests/other_languages/test_typescript.py):
//   SYFTBOX_ACCOUNTING_URL        where to send requests
//   SYFTBOX_ACCOUNTING_ADMIN_KEY  the admin key (Bearer)
//   SYFTBOX_TS_TARGET             `service` (the reference service), `proxy` (prism proxy in
//                                 front of it: every exchange is checked against the contract),
//                                 or `mock` (a Prism mock of the contract: stateless, so only
//                                 what a mock can answer is checked)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';

import { createClient } from '../generated/client/index.js';
import {
  addBalance,
  cancelTransaction,
  confirmTransaction,
  createApiKey,
  createToken,
  createTransaction,
  createUser,
  getMyInfo,
  getUser,
  listApiKeys,
  listTransactions,
  listUsers,
  refundTransaction,
  revokeApiKey,
  updateOrganization,
  updatePassword,
} from '../generated/sdk.gen.js';
import type { ErrorResponse, Transaction } from '../generated/types.gen.js';

const BASE_URL = required('SYFTBOX_ACCOUNTING_URL');
const ADMIN_KEY = required('SYFTBOX_ACCOUNTING_ADMIN_KEY');
const TARGET = required('SYFTBOX_TS_TARGET');
if (!['service', 'proxy', 'mock'].includes(TARGET)) throw new Error(`unknown target ${TARGET}`);
const STATEFUL = TARGET !== 'mock';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through pytest`);
  return value;
}

// -- money, exactly: every amount is read from its decimal string (`amountDecimal`,
// `balanceDecimal`...), which the reference service sends beside each number, into integer
// micro-dollars, never through a float (1000000099.999999 has more digits than a double).

/** `"123456.789012"` -> 123456789012n; throws on anything but the contract's form. */
export function micros(text: string | undefined): bigint {
  if (text === undefined) throw new Error('the answer has no decimal string beside the number');
  const match = /^(0|[1-9][0-9]{0,17})(?:\.([0-9]{1,6}))?$/.exec(text);
  if (!match) throw new Error(`not a decimal amount: ${text}`);
  const [, whole = '', fraction = ''] = match;
  return BigInt(whole + fraction.padEnd(6, '0'));
}

// -- every exchange, with what Prism said about it (only `proxy` and `mock` set the header)

interface Exchange {
  method: string;
  path: string;
  status: number;
  violations: Array<{ location?: string[]; message?: string }>;
}

const exchanges: Exchange[] = [];

const recordingFetch: typeof fetch = async (input, init) => {
  const request = input instanceof Request ? input : new Request(input, init);
  const response = await fetch(request);
  const header = response.headers.get('sl-violations');
  exchanges.push({
    method: request.method,
    path: new URL(request.url).pathname,
    status: response.status,
    violations: header ? (JSON.parse(header) as Exchange['violations']) : [],
  });
  return response;
};

/** Exchanges since `start` where Prism found the request or the response off-contract. */
function violations(start: number, allowRequest = false): Exchange[] {
  return exchanges.slice(start).filter((e) =>
    e.violations.some((v) => !(allowRequest && v.location?.[0] === 'request')),
  );
}

type Identity =
  | { email: string; password: string }
  | { apiKey: string }
  | { adminKey: string }
  | undefined;

function clientFor(identity: Identity, headers: Record<string, string> = {}) {
  return createClient({
    baseUrl: BASE_URL,
    fetch: recordingFetch,
    headers,
    auth: (auth) => {
      if (identity === undefined) return undefined;
      if (auth.scheme === 'bearer') {
        if ('adminKey' in identity) return identity.adminKey;
        return 'apiKey' in identity ? identity.apiKey : undefined;
      }
      return 'email' in identity ? `${identity.email}:${identity.password}` : undefined;
    },
  });
}

const admin = clientFor({ adminKey: ADMIN_KEY });

/** The typed error body of a failed call, checked to be the contract's ErrorResponse. */
function errorOf(result: { error?: unknown; response?: Response }, status: number): ErrorResponse {
  assert.equal(result.response?.status, status);
  const error = result.error as ErrorResponse;
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0);
  return error;
}

after(() => {
  // Every exchange of every test went through the contract check (see each test).
  assert.ok(exchanges.length > 0);
});

describe('the seed workflow and the provider side', { skip: !STATEFUL }, () => {
  const run = randomUUID().slice(0, 8);
  const payerEmail = `payer-${run}@example.com`;
  const serviceEmail = `ai-service-${run}@example.com`;
  const payerPassword = 'payer-password-123';
  let servicePassword = '';
  let payer = clientFor(undefined);
  let service = clientFor(undefined);
  let initialMicros = 0n;

  test('register a payer (chosen password) and a service (generated password)', async () => {
    const start = exchanges.length;
    const created = await createUser({
      client: clientFor(undefined),
      body: { email: payerEmail, password: payerPassword, organization: 'OpenMined' },
      throwOnError: true,
    });
    assert.equal(created.data.user.email, payerEmail);
    assert.equal(created.data.password, payerPassword);
    initialMicros = micros(created.data.user.balanceDecimal);
    // The public client sends explicit nulls: the contract accepts them.
    const other = await createUser({
      client: clientFor(undefined),
      body: { email: serviceEmail, password: null, organization: null },
      throwOnError: true,
    });
    servicePassword = other.data.password;
    assert.ok(servicePassword.length >= 8);
    // From here on the payer authenticates with an API key (Bearer), not its password.
    const withPassword = clientFor({ email: payerEmail, password: payerPassword });
    const made = await createApiKey({
      client: withPassword,
      body: { name: 'ts-workflow', scopes: ['read', 'pay', 'account', 'keys'] },
      throwOnError: true,
    });
    assert.match(made.data.secret, /^sbk_[A-Za-z0-9]{43}$/);
    assert.deepEqual(made.data.apiKey.scopes, ['read', 'pay', 'account', 'keys']);
    payer = clientFor({ apiKey: made.data.secret });
    // A read-only key reads, and may not pay: 403 insufficient_scope, naming the scope.
    const reader = await createApiKey({
      client: payer,
      body: { name: 'ts-reader', scopes: ['read'] },
      throwOnError: true,
    });
    const readOnly = clientFor({ apiKey: reader.data.secret });
    const mine = await getMyInfo({ client: readOnly, throwOnError: true });
    assert.equal(mine.data.user.email, payerEmail);
    const refused = await createToken({ client: readOnly, body: { recipientEmail: serviceEmail } });
    const scopeError = errorOf(refused, 403);
    assert.equal(scopeError.code, 'insufficient_scope');
    assert.match(scopeError.message, /'pay'/);
    const listed = await listApiKeys({ client: payer, throwOnError: true });
    assert.equal(listed.data.apiKeys.length, 2);
    assert.ok(!JSON.stringify(listed.data).includes(reader.data.secret));
    await revokeApiKey({ client: payer, body: { keyId: reader.data.apiKey.id }, throwOnError: true });
    const revoked = await getMyInfo({ client: readOnly });
    assert.equal(errorOf(revoked, 401).code, 'invalid_credentials');
    service = clientFor({ email: serviceEmail, password: servicePassword });
    assert.deepEqual(violations(start), []);
  });

  test('the admin adds balance with the Bearer key, to the micro-dollar', async () => {
    const start = exchanges.length;
    const credited = await addBalance({
      client: admin,
      body: { recipientEmail: payerEmail, amountDecimal: '123456.789012' },
      throwOnError: true,
    });
    assert.equal(micros(credited.data.user.balanceDecimal), initialMicros + 123_456_789_012n);
    const looked = await getUser({ client: admin, path: { email: payerEmail }, throwOnError: true });
    assert.equal(looked.data.user.balanceDecimal, credited.data.user.balanceDecimal);
    assert.deepEqual(violations(start), []);
  });

  test('token as the payer, delegated charge as the service, confirm: exact balances', async () => {
    const start = exchanges.length;
    const token = await createToken({
      client: payer,
      body: { recipientEmail: serviceEmail },
      throwOnError: true,
    });
    const charge = await createTransaction({
      client: service,
      body: {
        senderEmail: payerEmail,
        recipientEmail: serviceEmail,
        amountDecimal: '0.000001',
        token: token.data.token,
        appName: 'summarizer',
        appEpPath: '/v1/summarize',
      },
      throwOnError: true,
    });
    const pending: Transaction = charge.data.transaction;
    assert.equal(pending.status, 'PENDING');
    assert.equal(pending.createdBy, 'RECIPIENT');
    assert.equal(pending.resolvedBy, null);
    assert.equal(micros(pending.amountDecimal), 1n);
    const confirmed = await confirmTransaction({
      client: service,
      body: { transactionId: pending.id },
      throwOnError: true,
    });
    assert.equal(confirmed.data.transaction.status, 'COMPLETED');
    assert.equal(confirmed.data.transaction.resolvedBy, 'RECIPIENT');
    // createdAt/resolvedAt carry `+00:00`: the zod validators accept the offset.
    assert.ok(!Number.isNaN(Date.parse(confirmed.data.transaction.resolvedAt ?? '')));

    const payerInfo = await getMyInfo({ client: payer, throwOnError: true });
    const serviceInfo = await getMyInfo({ client: service, throwOnError: true });
    assert.equal(micros(payerInfo.data.user.balanceDecimal), initialMicros + 123_456_789_012n - 1n);
    assert.equal(micros(serviceInfo.data.user.balanceDecimal), initialMicros + 1n);
    assert.deepEqual(violations(start), []);
  });

  test('history: the payer sees the charge, newest first', async () => {
    const start = exchanges.length;
    const history = await listTransactions({ client: payer, throwOnError: true });
    const [newest, credit] = history.data.transactions;
    assert.equal(history.data.transactions.length, 2);
    assert.equal(newest?.recipientEmail, serviceEmail);
    assert.equal(newest?.appName, 'summarizer');
    assert.equal(newest?.status, 'COMPLETED');
    assert.equal(credit?.createdBy, 'SYSTEM');
    assert.equal(micros(credit?.amountDecimal), 123_456_789_012n);

    // The same history a page at a time: newest first, the cursor leads to the next.
    const first = await listTransactions({ client: payer, query: { limit: 1 }, throwOnError: true });
    assert.equal(first.data.transactions[0]?.id, newest?.id);
    assert.ok(first.data.nextCursor);
    const second = await listTransactions({
      client: payer,
      query: { limit: 1, cursor: first.data.nextCursor ?? undefined },
      throwOnError: true,
    });
    assert.equal(second.data.transactions[0]?.id, credit?.id);
    assert.equal(second.data.nextCursor, null);
    const completed = await listTransactions({
      client: payer,
      query: { status: 'COMPLETED', counterparty: serviceEmail },
      throwOnError: true,
    });
    assert.deepEqual(
      completed.data.transactions.map((t: Transaction) => t.id),
      [newest?.id],
    );
    assert.deepEqual(violations(start), []);
  });

  test('a direct payment the payer cancels moves nothing', async () => {
    const start = exchanges.length;
    const before = await getMyInfo({ client: payer, throwOnError: true });
    const direct = await createTransaction({
      client: payer,
      body: { senderEmail: payerEmail, recipientEmail: serviceEmail, amount: 10 },
      throwOnError: true,
    });
    assert.equal(direct.data.transaction.createdBy, 'SENDER');
    const cancelled = await cancelTransaction({
      client: payer,
      body: { transactionId: direct.data.transaction.id },
      throwOnError: true,
    });
    assert.equal(cancelled.data.transaction.status, 'CANCELLED');
    const afterwards = await getMyInfo({ client: payer, throwOnError: true });
    assert.equal(
      micros(afterwards.data.user.balanceDecimal),
      micros(before.data.user.balanceDecimal),
    );
    assert.deepEqual(violations(start), []);
  });

  test('wrong password: 401 with the typed error body', async () => {
    const start = exchanges.length;
    const result = await getMyInfo({
      client: clientFor({ email: payerEmail, password: 'not-the-password' }),
    });
    assert.equal(result.data, undefined);
    assert.equal(errorOf(result, 401).code, 'invalid_credentials');
    assert.match(result.response.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.deepEqual(violations(start), []);
  });

  test('a reused token: 403 token_used', async () => {
    const start = exchanges.length;
    const token = await createToken({
      client: payer,
      body: { recipientEmail: serviceEmail },
      throwOnError: true,
    });
    const body = {
      senderEmail: payerEmail,
      recipientEmail: serviceEmail,
      amount: 0.25,
      token: token.data.token,
    };
    const first = await createTransaction({ client: service, body, throwOnError: true });
    await cancelTransaction({
      client: service,
      body: { transactionId: first.data.transaction.id },
      throwOnError: true,
    });
    const again = await createTransaction({ client: service, body });
    assert.equal(errorOf(again, 403).code, 'token_used');
    assert.deepEqual(violations(start), []);
  });

  test('an overdraft: 409 insufficient_funds, nothing moves', async () => {
    const start = exchanges.length;
    const token = await createToken({
      client: payer,
      body: { recipientEmail: payerEmail.replace('payer', 'nobody') },
    });
    assert.equal(errorOf(token, 404).code, 'not_found');
    const result = await createTransaction({
      client: service,
      body: { senderEmail: serviceEmail, recipientEmail: payerEmail, amount: 1_000_000_000 },
    });
    assert.equal(errorOf(result, 409).code, 'insufficient_funds');
    assert.deepEqual(violations(start), []);
  });

  test('a bad amount: 422 validation_error naming the field', async () => {
    const start = exchanges.length;
    // Schema-valid (more than 0) but 7 decimal places: only the service can refuse it.
    const result = await createTransaction({
      client: payer,
      body: { senderEmail: payerEmail, recipientEmail: serviceEmail, amount: 0.0000001 },
    });
    const error = errorOf(result, 422);
    assert.equal(error.code, 'validation_error');
    assert.equal(error.details?.[0]?.field, 'amount');
    assert.deepEqual(violations(start), []);
    // Off-contract (amount 0): Prism, where present, reports the request and only the request.
    const zero = await createTransaction({
      client: payer,
      body: { senderEmail: payerEmail, recipientEmail: serviceEmail, amount: 0 },
    });
    assert.equal(errorOf(zero, 422).code, 'validation_error');
    assert.deepEqual(violations(start, true), []);
    if (TARGET === 'proxy') assert.equal(violations(start).length, 1);
  });

  test('a hold captured in part, then refunded: exact balances', async () => {
    const start = exchanges.length;
    const before = await getMyInfo({ client: payer, throwOnError: true });
    // The service says what it supports beyond the public protocol, on every answer.
    assert.equal(before.response.headers.get('accounting-features'), 'holds, capture, refunds, exact-money, api-keys');
    const balance = micros(before.data.user.balanceDecimal);
    const token = await createToken({
      client: payer,
      body: { recipientEmail: serviceEmail },
      throwOnError: true,
    });
    const hold = await createTransaction({
      client: service,
      body: {
        senderEmail: payerEmail,
        recipientEmail: serviceEmail,
        amountDecimal: '5',
        token: token.data.token,
        holdFor: 600,
      },
      throwOnError: true,
    });
    const pending: Transaction = hold.data.transaction;
    assert.equal(micros(pending.authorizedAmountDecimal), 5_000_000n);
    assert.equal(Date.parse(pending.expiresAt ?? '') - Date.parse(pending.createdAt), 600_000);
    const holding = await getMyInfo({ client: payer, throwOnError: true });
    assert.equal(micros(holding.data.user.heldBalanceDecimal), 5_000_000n);
    assert.equal(micros(holding.data.user.availableBalanceDecimal), balance - 5_000_000n);

    // More than the hold is refused; $1.23 is captured and the rest released.
    const tooMuch = await confirmTransaction({
      client: service,
      body: { transactionId: pending.id, amountDecimal: '5.000001' },
    });
    assert.equal(errorOf(tooMuch, 409).code, 'capture_exceeds_hold');
    const captured = await confirmTransaction({
      client: service,
      body: { transactionId: pending.id, amountDecimal: '1.23' },
      throwOnError: true,
    });
    assert.equal(captured.data.transaction.status, 'COMPLETED');
    assert.equal(micros(captured.data.transaction.amountDecimal), 1_230_000n);
    assert.equal(micros(captured.data.transaction.authorizedAmountDecimal), 5_000_000n);
    const paid = await getMyInfo({ client: payer, throwOnError: true });
    assert.equal(micros(paid.data.user.balanceDecimal), balance - 1_230_000n);
    assert.equal(micros(paid.data.user.heldBalanceDecimal), 0n);

    // The service refunds $0.23 with a key; the same request again gives back nothing more.
    const keyed = clientFor(
      { email: serviceEmail, password: servicePassword },
      { 'Idempotency-Key': randomUUID() },
    );
    const refund = {
      transactionId: pending.id,
      amountDecimal: '0.23',
      reason: 'the estimate was high',
    };
    const first = await refundTransaction({ client: keyed, body: refund, throwOnError: true });
    const again = await refundTransaction({ client: keyed, body: refund, throwOnError: true });
    assert.equal(again.response.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.data.transaction.id, first.data.transaction.id);
    assert.equal(first.data.transaction.refundOf, pending.id);
    assert.equal(first.data.transaction.senderEmail, serviceEmail);
    assert.equal(first.data.transaction.refundReason, 'the estimate was high');

    // The admin (Bearer) refunds the rest; a third refund is refused.
    const rest = await refundTransaction({
      client: admin,
      body: { transactionId: pending.id },
      throwOnError: true,
    });
    assert.equal(micros(rest.data.transaction.amountDecimal), 1_000_000n);
    assert.equal(rest.data.transaction.createdBy, 'SYSTEM');
    const third = await refundTransaction({ client: service, body: { transactionId: pending.id } });
    assert.equal(errorOf(third, 409).code, 'refund_exceeds_payment');
    const whole = await getMyInfo({ client: payer, throwOnError: true });
    assert.equal(micros(whole.data.user.balanceDecimal), balance);
    assert.deepEqual(violations(start), []);
  });

  test('150.1, 0.000001 and 999999999.999999 sent and read back exactly', async () => {
    const start = exchanges.length;
    const before = await getMyInfo({ client: payer, throwOnError: true });
    for (const amountDecimal of ['999999999.999999', '50.100001']) {
      await addBalance({
        client: admin,
        body: { recipientEmail: payerEmail, amountDecimal },
        throwOnError: true,
      });
    }
    const funded = micros(before.data.user.balanceDecimal) + 1_000_000_050_100_000n;
    const serviceBefore = await getMyInfo({ client: service, throwOnError: true });
    const received = micros(serviceBefore.data.user.balanceDecimal);
    let total = 0n;
    for (const amountDecimal of ['150.1', '0.000001', '999999999.999999']) {
      const made = await createTransaction({
        client: payer,
        body: { senderEmail: payerEmail, recipientEmail: serviceEmail, amountDecimal },
        throwOnError: true,
      });
      assert.equal(made.data.transaction.amountDecimal, amountDecimal);
      const done = await confirmTransaction({
        client: payer,
        body: { transactionId: made.data.transaction.id },
        throwOnError: true,
      });
      assert.equal(done.data.transaction.amountDecimal, amountDecimal);
      total += micros(amountDecimal);
    }
    // A float64 would not even hold these balances (16 and more significant digits).
    const paid = await getMyInfo({ client: payer, throwOnError: true });
    assert.equal(micros(paid.data.user.balanceDecimal), funded - total);
    const got = await getMyInfo({ client: service, throwOnError: true });
    assert.equal(micros(got.data.user.balanceDecimal), received + total);
    assert.equal(total, 1_000_000_150_100_000n);
    assert.deepEqual(violations(start), []);
  });

  test('a new password beyond Latin-1 is refused, naming the characters', async () => {
    const start = exchanges.length;
    // btoa could never send it: the service refuses it, and the account keeps its password.
    const result = await updatePassword({
      client: payer,
      body: { oldPassword: payerPassword, newPassword: '密码-password-🔑' },
    });
    const error = errorOf(result, 422);
    assert.equal(error.code, 'validation_error');
    assert.equal(error.details?.[0]?.field, 'newPassword');
    assert.match(error.message, /printable Latin-1/);
    await getMyInfo({ client: payer, throwOnError: true });
    // Off-contract on purpose (the pattern of NewPassword): Prism reports the request only.
    assert.deepEqual(violations(start, true), []);
    if (TARGET === 'proxy') assert.equal(violations(start).length, 1);
  });

  test('account settings: organization and password', async () => {
    const start = exchanges.length;
    const cleared = await updateOrganization({
      client: payer,
      body: { organization: null },
      throwOnError: true,
    });
    assert.equal(cleared.data.user.organization, null);
    const changed = await updatePassword({
      client: payer,
      body: { oldPassword: payerPassword, newPassword: 'a-new-password-456' },
      throwOnError: true,
    });
    assert.equal(changed.data.user.email, payerEmail);
    const users = await listUsers({ client: admin, throwOnError: true });
    assert.ok(users.data.users.some((u) => u.email === serviceEmail));
    assert.deepEqual(violations(start), []);
  });
});

describe('against a mock of the contract', { skip: TARGET !== 'mock' }, () => {
  // Prism's mock is stateless and accepts any password: it checks every request against the
  // contract and answers with the contract's examples, which the zod validators must accept.
  const alice = clientFor({ email: 'alice@example.com', password: 'correct-horse-battery' });

  test('every operation: the request fits the contract, the example response parses', async () => {
    const start = exchanges.length;
    const tx = { transactionId: '5b1e7c9a-2d3f-4e5a-8b6c-7d8e9f0a1b2c' };
    const info = await getMyInfo({ client: alice, throwOnError: true });
    // The public service's shape: the number only, read as it is.
    assert.equal(info.data.user.balance, 89.75);
    assert.equal(info.data.user.balanceDecimal, undefined);
    // The reference service's: the decimal strings beside the numbers, exactly.
    const exactly = await getMyInfo({
      client: clientFor(
        { email: 'alice@example.com', password: 'x' },
        { Prefer: 'example=reference' },
      ),
      throwOnError: true,
    });
    assert.equal(micros(exactly.data.user.balanceDecimal), 999_999_999_999_999n);
    assert.equal(micros(exactly.data.user.heldBalanceDecimal), 150_100_000n);
    const results = [
      await createUser({
        client: clientFor(undefined),
        body: { email: 'alice@example.com', password: null, organization: null },
        throwOnError: true,
      }),
      await updatePassword({
        client: alice,
        body: { oldPassword: 'correct-horse-battery', newPassword: 'staple-battery-horse' },
        throwOnError: true,
      }),
      await updateOrganization({ client: alice, body: { organization: null }, throwOnError: true }),
      await createToken({
        client: alice,
        body: { recipientEmail: 'ai-service@example.com' },
        throwOnError: true,
      }),
      await createTransaction({
        client: alice,
        body: {
          senderEmail: 'alice@example.com',
          recipientEmail: 'ai-service@example.com',
          amount: 0.25,
          token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln',
          appName: null,
          appEpPath: null,
        },
        throwOnError: true,
      }),
      await confirmTransaction({ client: alice, body: tx, throwOnError: true }),
      await cancelTransaction({ client: alice, body: tx, throwOnError: true }),
      await refundTransaction({
        client: alice,
        body: { ...tx, amount: 0.1, reason: 'the job failed halfway' },
        throwOnError: true,
      }),
      await listTransactions({ client: alice, throwOnError: true }),
      await addBalance({
        client: admin,
        body: { recipientEmail: 'alice@example.com', amount: 123456.789012 },
        throwOnError: true,
      }),
      await getUser({ client: admin, path: { email: 'alice@example.com' }, throwOnError: true }),
      await listUsers({ client: admin, throwOnError: true }),
      await createApiKey({
        client: alice,
        body: { name: 'nightly-batch', scopes: ['read', 'pay'], expiresIn: 2592000, maxSpend: 20 },
        throwOnError: true,
      }),
      await listApiKeys({ client: alice, throwOnError: true }),
      await revokeApiKey({
        client: clientFor({ apiKey: `sbk_${'a'.repeat(43)}` }),
        body: { keyId: 'key_7Hq2Vd9sKx3LmN4pR8tZ' },
        throwOnError: true,
      }),
    ];
    assert.equal(results.length + 1, 16);
    assert.deepEqual(
      exchanges.slice(start).filter((e) => e.status !== 200),
      [],
    );
    assert.deepEqual(violations(start), []);
  });

  test('documented errors come back typed: 401, 403 token_used, 409 insufficient_funds', async () => {
    // No credentials at all: Prism refuses the request itself (a request violation).
    const before = exchanges.length;
    const unauthorized = await getMyInfo({ client: clientFor(undefined) });
    assert.equal(errorOf(unauthorized, 401).code, 'invalid_credentials');
    assert.equal(violations(before, true).length, 0);
    const start = exchanges.length;
    const body = {
      senderEmail: 'alice@example.com',
      recipientEmail: 'ai-service@example.com',
      amount: 0.25,
      token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln',
    };
    const used = await createTransaction({
      client: clientFor(
        { email: 'ai-service@example.com', password: 'x' },
        { Prefer: 'code=403, example=tokenUsed' },
      ),
      body,
    });
    assert.equal(errorOf(used, 403).code, 'token_used');
    const overdraft = await createTransaction({
      client: clientFor({ email: 'alice@example.com', password: 'x' }, { Prefer: 'code=409' }),
      body: { ...body, token: null },
    });
    assert.equal(errorOf(overdraft, 409).code, 'insufficient_funds');
    assert.deepEqual(violations(start), []);
  });

  test('a later service: an unknown status, actor, reason and error code are kept', async () => {
    const start = exchanges.length;
    const page = await listTransactions({
      client: clientFor(
        { email: 'alice@example.com', password: 'x' },
        { Prefer: 'example=laterValues' },
      ),
      throwOnError: true,
    });
    const [disputed, cancelled] = page.data.transactions;
    assert.equal(disputed?.status, 'DISPUTED');
    assert.equal(disputed?.resolvedBy, 'ARBITER');
    assert.equal(micros(disputed?.amountDecimal), 150_100_000n);
    assert.equal(cancelled?.cancelReason, 'fraud_suspected');
    assert.equal(micros(cancelled?.amountDecimal), 1n);
    const refused = await createTransaction({
      client: clientFor(
        { email: 'alice@example.com', password: 'x' },
        { Prefer: 'code=409, example=laterCode' },
      ),
      body: {
        senderEmail: 'alice@example.com',
        recipientEmail: 'ai-service@example.com',
        amountDecimal: '150.1',
      },
    });
    const error = errorOf(refused, 409);
    assert.equal(error.code, 'daily_limit_reached');
    assert.match(error.message, /daily spending limit/);
    assert.deepEqual(violations(start), []);
  });

  test('a bad amount is refused by the contract itself: 422', async () => {
    const start = exchanges.length;
    const result = await createTransaction({
      client: alice,
      body: { senderEmail: 'alice@example.com', recipientEmail: 'bob@example.com', amount: 0 },
    });
    assert.equal(result.response.status, 422);
    assert.equal(violations(start, true).length, 0);
    assert.equal(violations(start).length, 1);
  });
});
