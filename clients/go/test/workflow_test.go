// The seed's workflow and the provider side, through the Go client generated from
// openapi.yaml with openapi-generator's defaults (no type mappings: JSON numbers become
// float32), against the reference service (tests/other_languages/test_go.py sets
// SYFTBOX_ACCOUNTING_URL and SYFTBOX_ACCOUNTING_ADMIN_KEY), and against a Prism mock of the
// contract for what only a later service sends (SYFTBOX_ACCOUNTING_MOCK_URL).
//
// Every amount is read through its decimal string (amountDecimal, balanceDecimal...) and
// sent as one: a float32 holds about 7 digits, so 150.1 reads as 150.100006 and
// 999999999.999999 as 1e+09.
package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	sa "github.com/OpenMined/syftbox-accounting-go"
)

// decimalText is the contract's DecimalTotal: digits, then optionally a point and 1 to 6.
var decimalText = regexp.MustCompile(`^(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?$`)

// exact converts an amount's decimal string to integer micro-dollars, with no float on
// the way.
func exact(t *testing.T, text string) int64 {
	t.Helper()
	if !decimalText.MatchString(text) {
		t.Fatalf("%q is not a decimal amount", text)
	}
	whole, fraction, _ := strings.Cut(text, ".")
	value, ok := new(big.Int).SetString(whole+fraction+strings.Repeat("0", 6-len(fraction)), 10)
	if !ok || !value.IsInt64() {
		t.Fatalf("%q is not an amount", text)
	}
	return value.Int64()
}

// read is the exact amount of a decimal string the answer must carry beside the number
// (the reference service announces exact-money): a model's XxxDecimal field.
func read(t *testing.T, text *string) int64 {
	t.Helper()
	if text == nil {
		t.Fatal("the answer has no decimal string beside the number")
	}
	return exact(t, *text)
}

func env(t *testing.T, name string) string {
	t.Helper()
	value := os.Getenv(name)
	if value == "" {
		t.Fatalf("%s is not set: run this through pytest (tests/other_languages)", name)
	}
	return value
}

type world struct {
	api   *sa.APIClient
	admin context.Context
}

func client(url string, headers map[string]string) *sa.APIClient {
	cfg := sa.NewConfiguration()
	cfg.Servers = sa.ServerConfigurations{{URL: url}}
	cfg.HTTPClient = &http.Client{}
	for name, value := range headers {
		cfg.AddDefaultHeader(name, value)
	}
	return sa.NewAPIClient(cfg)
}

func newWorld(t *testing.T) world {
	admin := context.WithValue(context.Background(), sa.ContextAccessToken, env(t, "SYFTBOX_ACCOUNTING_ADMIN_KEY"))
	return world{api: client(env(t, "SYFTBOX_ACCOUNTING_URL"), nil), admin: admin}
}

func as(email, password string) context.Context {
	return context.WithValue(context.Background(), sa.ContextBasicAuth, sa.BasicAuth{UserName: email, Password: password})
}

// withKey authenticates with an API key (Authorization: Bearer sbk_...).
func withKey(secret string) context.Context {
	return context.WithValue(context.Background(), sa.ContextAccessToken, secret)
}

// newKey creates an API key of the account `who` authenticates as, and returns a context
// that authenticates with it.
func newKey(t *testing.T, w world, who context.Context, name string, scopes ...sa.ApiKeyScope) (context.Context, string) {
	t.Helper()
	made := must(w.api.ApiKeysAPI.CreateApiKey(who).CreateApiKeyRequest(*sa.NewCreateApiKeyRequest(name, scopes)).Execute())
	if !strings.HasPrefix(made.Secret, "sbk_") || len(made.Secret) != 47 {
		t.Fatalf("not an API key: %d characters", len(made.Secret))
	}
	return withKey(made.Secret), made.ApiKey.Id
}

// failure checks that err is the documented error of status, with the contract's body and
// this code (an open string: known to this client or not).
func failure(t *testing.T, err error, response *http.Response, status int, code string) sa.ErrorResponse {
	t.Helper()
	if err == nil || response == nil || response.StatusCode != status {
		t.Fatalf("want %d %s, got %v (%v)", status, code, response, err)
	}
	var apiErr *sa.GenericOpenAPIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("not a GenericOpenAPIError: %T %v", err, err)
	}
	body, ok := apiErr.Model().(sa.ErrorResponse)
	if !ok {
		t.Fatalf("the error body is not an ErrorResponse: %T %s", apiErr.Model(), apiErr.Body())
	}
	if body.Code != code || body.Message == "" {
		t.Fatalf("want code %s, got %+v", code, body)
	}
	return body
}

// current is the running test, for must (Go passes a call's results on only when they are
// all the arguments: must(api.Call().Execute())).
var current *testing.T

func must[T any](value T, response *http.Response, err error) T {
	t := current
	t.Helper()
	if err != nil {
		body := ""
		if apiErr, ok := err.(*sa.GenericOpenAPIError); ok {
			body = string(apiErr.Body())
		}
		t.Fatalf("unexpected error: %v %s", err, body)
	}
	// 201 Created answers a registration, 200 OK everything else.
	if response.StatusCode != http.StatusOK && response.StatusCode != http.StatusCreated {
		t.Fatalf("unexpected status %d", response.StatusCode)
	}
	return value
}

func newRun(t *testing.T) (string, string) {
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	run := hex.EncodeToString(suffix)
	return "payer-" + run + "@example.com", "ai-service-" + run + "@example.com"
}

// payment is a direct payment of an exact amount.
func payment(sender, recipient, amount string) *sa.CreateTransactionRequest {
	request := sa.NewCreateTransactionRequest(sender, recipient)
	request.SetAmountDecimal(amount)
	return request
}

func TestWorkflow(t *testing.T) {
	current = t
	w := newWorld(t)
	ctx := context.Background()
	payerEmail, serviceEmail := newRun(t)
	payerPassword := "payer-password-123"

	// Register a payer (chosen password) and a service (password generated: explicit null).
	newPayer := sa.NewCreateUserRequest(payerEmail)
	newPayer.SetPassword(payerPassword)
	newPayer.SetOrganization("OpenMined")
	created := must(w.api.UsersAPI.CreateUser(ctx).CreateUserRequest(*newPayer).Execute())
	initial := read(t, created.User.BalanceDecimal)
	newService := sa.NewCreateUserRequest(serviceEmail)
	newService.SetPasswordNil()
	newService.SetOrganizationNil()
	serviceAccount := must(w.api.UsersAPI.CreateUser(ctx).CreateUserRequest(*newService).Execute())
	if serviceAccount.User.Organization.Get() != nil {
		t.Fatalf("organization: %v", serviceAccount.User.Organization.Get())
	}
	servicePassword := serviceAccount.Password
	payer, service := as(payerEmail, payerPassword), as(serviceEmail, servicePassword)

	// From here on the payer authenticates with an API key, not its password.
	payer, _ = newKey(t, w, payer, "go-workflow", sa.READ, sa.PAY, sa.KEYS)
	// A read-only key reads, may not pay (403 insufficient_scope), and stops at revocation.
	reader, readerID := newKey(t, w, payer, "go-reader", sa.READ)
	if me := must(w.api.UsersAPI.GetMyInfo(reader).Execute()); me.User.Email != payerEmail {
		t.Fatalf("the read-only key reads %s", me.User.Email)
	}
	_, response, err := w.api.TokensAPI.CreateToken(reader).CreateTokenRequest(*sa.NewCreateTokenRequest(serviceEmail)).Execute()
	if body := failure(t, err, response, 403, "insufficient_scope"); !strings.Contains(body.Message, "'pay'") {
		t.Fatalf("the scope error does not name the scope: %s", body.Message)
	}
	must(w.api.ApiKeysAPI.RevokeApiKey(payer).RevokeApiKeyRequest(*sa.NewRevokeApiKeyRequest(readerID)).Execute())
	_, response, err = w.api.UsersAPI.GetMyInfo(reader).Execute()
	failure(t, err, response, 401, "invalid_credentials")
	if keys := must(w.api.ApiKeysAPI.ListApiKeys(payer).Execute()).ApiKeys; len(keys) != 2 || keys[1].RevokedAt.Get() == nil {
		t.Fatalf("keys: %+v", keys)
	}

	// The admin credits the payer (Bearer), exactly, to the micro-dollar.
	credit := sa.NewAddBalanceRequest(payerEmail)
	credit.SetAmountDecimal("123456.789012")
	credited := must(w.api.AdminAPI.AddBalance(w.admin).AddBalanceRequest(*credit).Execute())
	if got, want := read(t, credited.User.BalanceDecimal), initial+123_456_789_012; got != want {
		t.Fatalf("balance after credit: %d micro-dollars, want %d", got, want)
	}
	looked := must(w.api.AdminAPI.GetUser(w.admin, payerEmail).Execute())
	if looked.User.GetBalanceDecimal() != credited.User.GetBalanceDecimal() {
		t.Fatalf("getUser balance %v, want %v", looked.User.GetBalanceDecimal(), credited.User.GetBalanceDecimal())
	}

	// The payer makes a token for the service; the service charges with it and confirms.
	token := must(w.api.TokensAPI.CreateToken(payer).CreateTokenRequest(*sa.NewCreateTokenRequest(serviceEmail)).Execute())
	charge := payment(payerEmail, serviceEmail, "0.000001")
	charge.SetToken(token.Token)
	charge.SetAppName("summarizer")
	charge.SetAppEpPath("/v1/summarize")
	pending := must(w.api.TransactionsAPI.CreateTransaction(service).CreateTransactionRequest(*charge).Execute()).Transaction
	if pending.Status != "PENDING" || pending.CreatedBy != "RECIPIENT" || read(t, pending.AmountDecimal) != 1 {
		t.Fatalf("pending charge: %+v", pending)
	}
	// The enums of answers are open strings; the closed enum of the status filter gives
	// the known values their names.
	if pending.Status != string(sa.PENDING) || pending.ResolvedBy.Get() != nil {
		t.Fatalf("pending, and nobody resolved it yet: %+v", pending)
	}
	confirmed := must(w.api.TransactionsAPI.ConfirmTransaction(service).ConfirmTransactionRequest(*sa.NewConfirmTransactionRequest(pending.Id)).Execute()).Transaction
	if confirmed.Status != "COMPLETED" || confirmed.ResolvedAt.Get() == nil || *confirmed.ResolvedBy.Get() != "RECIPIENT" {
		t.Fatalf("confirmed charge: %+v", confirmed)
	}

	payerInfo := must(w.api.UsersAPI.GetMyInfo(payer).Execute())
	serviceInfo := must(w.api.UsersAPI.GetMyInfo(service).Execute())
	if got, want := read(t, payerInfo.User.BalanceDecimal), initial+123_456_789_012-1; got != want {
		t.Fatalf("payer balance %d micro-dollars, want %d", got, want)
	}
	if got, want := read(t, serviceInfo.User.BalanceDecimal), initial+1; got != want {
		t.Fatalf("service balance %d micro-dollars, want %d", got, want)
	}

	// History, newest first: the charge, then the credit.
	history := must(w.api.TransactionsAPI.ListTransactions(payer).Execute()).Transactions
	if len(history) != 2 || history[0].Id != pending.Id || history[1].CreatedBy != "SYSTEM" {
		t.Fatalf("history: %+v", history)
	}
	if read(t, history[1].AmountDecimal) != 123_456_789_012 {
		t.Fatalf("credit in history: %v", history[1].GetAmountDecimal())
	}

	// Error paths, each with the contract's typed error body.
	_, response, err = w.api.UsersAPI.GetMyInfo(as(payerEmail, "not-the-password")).Execute()
	failure(t, err, response, 401, "invalid_credentials")

	_, response, err = w.api.TransactionsAPI.CreateTransaction(service).CreateTransactionRequest(*charge).Execute()
	failure(t, err, response, 403, "token_used")

	overdraft := payment(serviceEmail, payerEmail, "1000000000")
	_, response, err = w.api.TransactionsAPI.CreateTransaction(service).CreateTransactionRequest(*overdraft).Execute()
	failure(t, err, response, 409, "insufficient_funds")

	tooPrecise := payment(payerEmail, serviceEmail, "0.0000001")
	_, response, err = w.api.TransactionsAPI.CreateTransaction(payer).CreateTransactionRequest(*tooPrecise).Execute()
	body := failure(t, err, response, 422, "validation_error")
	if len(body.Details) == 0 || body.Details[0].Field != "amountDecimal" {
		t.Fatalf("422 details: %+v", body.Details)
	}

	// A new password must be printable Latin-1 (what urllib3 and btoa can send): the
	// service says which characters, and the account keeps its password.
	change := sa.NewUpdatePasswordRequest(payerPassword, "密码-password-🔑")
	// With the password: the payer's key has no 'account' scope.
	_, response, err = w.api.UsersAPI.UpdatePassword(as(payerEmail, payerPassword)).UpdatePasswordRequest(*change).Execute()
	body = failure(t, err, response, 422, "validation_error")
	if len(body.Details) != 1 || body.Details[0].Field != "newPassword" || !strings.Contains(body.Message, "Latin-1") {
		t.Fatalf("422 for a password beyond Latin-1: %+v", body)
	}
	must(w.api.UsersAPI.GetMyInfo(payer).Execute())
}

// The amounts no float32 (nor, for the balances, a float64) holds, sent and read back
// exactly: 150.1, 0.000001 and 999999999.999999, and the balances and totals they make.
func TestExactAmounts(t *testing.T) {
	current = t
	w := newWorld(t)
	payerEmail, serviceEmail := newRun(t)
	payer, initial := register(t, w, payerEmail, "payer-password-123")
	service, serviceInitial := register(t, w, serviceEmail, "service-password-123")
	for _, text := range []string{"999999999.999999", "50.100001"} {
		credit := sa.NewAddBalanceRequest(payerEmail)
		credit.SetAmountDecimal(text)
		must(w.api.AdminAPI.AddBalance(w.admin).AddBalanceRequest(*credit).Execute())
	}
	funded := initial + 999_999_999_999_999 + 50_100_001
	if balance, _, _ := held(t, w, payer); balance != funded {
		t.Fatalf("funded with %d micro-dollars, want %d", balance, funded)
	}
	var total int64
	for _, text := range []string{"150.1", "0.000001", "999999999.999999"} {
		made := must(w.api.TransactionsAPI.CreateTransaction(payer).CreateTransactionRequest(*payment(payerEmail, serviceEmail, text)).Execute()).Transaction
		if made.GetAmountDecimal() != text || made.GetAuthorizedAmountDecimal() != text {
			t.Fatalf("sent %s, the service holds %s (%s)", text, made.GetAmountDecimal(), made.GetAuthorizedAmountDecimal())
		}
		done := must(w.api.TransactionsAPI.ConfirmTransaction(payer).ConfirmTransactionRequest(*sa.NewConfirmTransactionRequest(made.Id)).Execute()).Transaction
		got := must(w.api.TransactionsAPI.GetTransaction(service, done.Id).Execute()).Transaction
		if got.GetAmountDecimal() != text {
			t.Fatalf("sent %s, read back %s", text, got.GetAmountDecimal())
		}
		total += exact(t, text)
	}
	if balance, available, heldNow := held(t, w, payer); balance != funded-total || available != balance || heldNow != 0 {
		t.Fatalf("payer: balance %d, available %d, held %d; want %d", balance, available, heldNow, funded-total)
	}
	if balance, _, _ := held(t, w, service); balance != serviceInitial+total {
		t.Fatalf("the service received %d micro-dollars, want %d", balance-serviceInitial, total)
	}
	usage := must(w.api.UsersAPI.GetUsage(payer).Execute()).Usage
	if usage.GetTotalSpentDecimal() != "1000000150.1" || read(t, usage.TotalSpentDecimal) != total {
		t.Fatalf("usage: spent %s, want %d micro-dollars", usage.GetTotalSpentDecimal(), total)
	}
}

// register makes an account with a chosen password and returns its Basic context and its
// balance in micro-dollars.
func register(t *testing.T, w world, email, password string) (context.Context, int64) {
	t.Helper()
	request := sa.NewCreateUserRequest(email)
	request.SetPassword(password)
	created := must(w.api.UsersAPI.CreateUser(context.Background()).CreateUserRequest(*request).Execute())
	return as(email, password), read(t, created.User.BalanceDecimal)
}

// held returns the account's (balance, available, held) in micro-dollars.
func held(t *testing.T, w world, who context.Context) (int64, int64, int64) {
	t.Helper()
	user := must(w.api.UsersAPI.GetMyInfo(who).Execute()).User
	return read(t, user.BalanceDecimal), read(t, user.AvailableBalanceDecimal), read(t, user.HeldBalanceDecimal)
}

// A charge whose price is known only after the work: held at $5, captured at $1.23, then
// refunded in two steps (the recipient with an idempotency key, the admin the rest).
func TestHoldCaptureRefund(t *testing.T) {
	current = t
	w := newWorld(t)
	payerEmail, serviceEmail := newRun(t)
	payer, initial := register(t, w, payerEmail, "payer-password-123")
	service, serviceInitial := register(t, w, serviceEmail, "service-password-123")
	// The service charges, captures and refunds with a key that may do only that (and read).
	service, _ = newKey(t, w, service, "go-charges", sa.CHARGE, sa.READ)

	// Every answer says what the service supports beyond the public protocol.
	_, response, err := w.api.UsersAPI.GetMyInfo(payer).Execute()
	if err != nil || response.Header.Get("Accounting-Features") != "holds, capture, refunds, exact-money, api-keys" {
		t.Fatalf("Accounting-Features: %q (%v)", response.Header.Get("Accounting-Features"), err)
	}

	// The charge holds $5 for ten minutes.
	token := must(w.api.TokensAPI.CreateToken(payer).CreateTokenRequest(*sa.NewCreateTokenRequest(serviceEmail)).Execute())
	charge := payment(payerEmail, serviceEmail, "5")
	charge.SetToken(token.Token)
	charge.SetHoldFor(600)
	hold := must(w.api.TransactionsAPI.CreateTransaction(service).CreateTransactionRequest(*charge).Execute()).Transaction
	if read(t, hold.AuthorizedAmountDecimal) != 5_000_000 || hold.Status != "PENDING" {
		t.Fatalf("hold: %+v", hold)
	}
	if lasts := hold.GetExpiresAt().Sub(hold.CreatedAt); lasts != 600*time.Second {
		t.Fatalf("the hold lasts %v, want 10m0s", lasts)
	}
	if balance, available, heldNow := held(t, w, payer); balance != initial || available != initial-5_000_000 || heldNow != 5_000_000 {
		t.Fatalf("while held: balance %d, available %d, held %d", balance, available, heldNow)
	}

	// Capturing more than the hold is refused; $1.23 is captured, the rest released.
	tooMuch := sa.NewConfirmTransactionRequest(hold.Id)
	tooMuch.SetAmountDecimal("5.000001")
	_, response, err = w.api.TransactionsAPI.ConfirmTransaction(service).ConfirmTransactionRequest(*tooMuch).Execute()
	failure(t, err, response, 409, "capture_exceeds_hold")
	capture := sa.NewConfirmTransactionRequest(hold.Id)
	capture.SetAmountDecimal("1.23")
	captured := must(w.api.TransactionsAPI.ConfirmTransaction(service).ConfirmTransactionRequest(*capture).Execute()).Transaction
	if read(t, captured.AmountDecimal) != 1_230_000 || read(t, captured.AuthorizedAmountDecimal) != 5_000_000 || captured.Status != "COMPLETED" {
		t.Fatalf("captured: %+v", captured)
	}
	if balance, available, heldNow := held(t, w, payer); balance != initial-1_230_000 || available != balance || heldNow != 0 {
		t.Fatalf("after the capture: balance %d, available %d, held %d", balance, available, heldNow)
	}
	if balance, _, _ := held(t, w, service); balance != serviceInitial+1_230_000 {
		t.Fatalf("the service received %d micro-dollars, want 1230000", balance-serviceInitial)
	}

	// The recipient refunds $0.23; the same request again (same key) moves nothing.
	refund := sa.NewRefundTransactionRequest(hold.Id)
	refund.SetAmountDecimal("0.23")
	refund.SetReason("the estimate was high")
	key := "refund-" + hold.Id
	first := must(w.api.TransactionsAPI.RefundTransaction(service).RefundTransactionRequest(*refund).IdempotencyKey(key).Execute()).Transaction
	again, response, err := w.api.TransactionsAPI.RefundTransaction(service).RefundTransactionRequest(*refund).IdempotencyKey(key).Execute()
	if err != nil || response.Header.Get("Idempotent-Replayed") != "true" || again.Transaction.Id != first.Id {
		t.Fatalf("replayed refund: %v %v", response, err)
	}
	if first.GetRefundOf() != hold.Id || first.SenderEmail != serviceEmail || first.GetRefundReason() != "the estimate was high" {
		t.Fatalf("refund: %+v", first)
	}

	// The admin refunds the rest (Bearer), and a third refund is refused.
	rest := must(w.api.TransactionsAPI.RefundTransaction(w.admin).RefundTransactionRequest(*sa.NewRefundTransactionRequest(hold.Id)).Execute()).Transaction
	if read(t, rest.AmountDecimal) != 1_000_000 || rest.CreatedBy != "SYSTEM" {
		t.Fatalf("the admin's refund: %+v", rest)
	}
	_, response, err = w.api.TransactionsAPI.RefundTransaction(service).RefundTransactionRequest(*sa.NewRefundTransactionRequest(hold.Id)).Execute()
	failure(t, err, response, 409, "refund_exceeds_payment")
	original := must(w.api.TransactionsAPI.GetTransaction(payer, hold.Id).Execute()).Transaction
	if read(t, original.RefundedAmountDecimal) != 1_230_000 {
		t.Fatalf("refunded amount: %v", original.GetRefundedAmountDecimal())
	}
	if balance, _, _ := held(t, w, payer); balance != initial {
		t.Fatalf("after the refunds the payer has %d, want %d", balance, initial)
	}
	usage := must(w.api.UsersAPI.GetUsage(payer).Execute()).Usage
	if read(t, usage.TotalSpentDecimal) != 1_230_000 || read(t, usage.TotalRefundsReceivedDecimal) != 1_230_000 {
		t.Fatalf("usage: %+v", usage)
	}
}

// What a later version of the service may send, from the contract's own examples served by
// a Prism mock: a status, an actor and a cancel reason this client does not know, and an
// error code it does not know. The page is read whole; the error keeps its code and text.
func TestValuesOfALaterService(t *testing.T) {
	current = t
	url := env(t, "SYFTBOX_ACCOUNTING_MOCK_URL")
	alice := as("alice@example.com", "correct-horse-battery")

	later := client(url, map[string]string{"Prefer": "example=laterValues"})
	page := must(later.TransactionsAPI.ListTransactions(alice).Execute()).Transactions
	if len(page) != 2 || page[0].Status != "DISPUTED" {
		t.Fatalf("an unknown status: %+v", page)
	}
	if *page[0].ResolvedBy.Get() != "ARBITER" || page[1].GetCancelReason() != "fraud_suspected" {
		t.Fatalf("an unknown actor and cancel reason: %+v", page)
	}
	if read(t, page[0].AmountDecimal) != 150_100_000 || read(t, page[1].AmountDecimal) != 1 {
		t.Fatalf("amounts: %s %s", page[0].GetAmountDecimal(), page[1].GetAmountDecimal())
	}

	failing := client(url, map[string]string{"Prefer": "code=409, example=laterCode"})
	request := payment("alice@example.com", "ai-service@example.com", "150.1")
	_, response, err := failing.TransactionsAPI.CreateTransaction(alice).CreateTransactionRequest(*request).Execute()
	body := failure(t, err, response, 409, "daily_limit_reached")
	if !strings.Contains(body.Message, "daily spending limit") {
		t.Fatalf("an unknown error code: %+v", body)
	}
}
