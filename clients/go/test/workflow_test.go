// The seed's workflow and the provider side, through the Go client generated from
// openapi.yaml, against the reference service (tests/other_languages/test_go.py sets
// SYFTBOX_ACCOUNTING_URL and SYFTBOX_ACCOUNTING_ADMIN_KEY).
package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	sa "github.com/OpenMined/syftbox-accounting-go"
)

// micros converts an amount to integer micro-dollars from its shortest decimal text, with no
// float arithmetic, so a float32 anywhere on the way (123456.79) shows up as a wrong value.
func micros(t *testing.T, amount float64) int64 {
	t.Helper()
	text := strconv.FormatFloat(amount, 'f', -1, 64)
	whole, fraction, _ := strings.Cut(text, ".")
	if len(fraction) > 6 {
		t.Fatalf("%s has more than 6 decimal places", text)
	}
	value, ok := new(big.Int).SetString(whole+fraction+strings.Repeat("0", 6-len(fraction)), 10)
	if !ok || !value.IsInt64() {
		t.Fatalf("%s is not an amount", text)
	}
	return value.Int64()
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

func newWorld(t *testing.T) world {
	cfg := sa.NewConfiguration()
	cfg.Servers = sa.ServerConfigurations{{URL: env(t, "SYFTBOX_ACCOUNTING_URL")}}
	cfg.HTTPClient = &http.Client{}
	admin := context.WithValue(context.Background(), sa.ContextAccessToken, env(t, "SYFTBOX_ACCOUNTING_ADMIN_KEY"))
	return world{api: sa.NewAPIClient(cfg), admin: admin}
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

// failure checks that err is the documented error of status, with the contract's body.
func failure(t *testing.T, err error, response *http.Response, status int, code sa.ErrorCode) sa.ErrorResponse {
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

func TestWorkflow(t *testing.T) {
	current = t
	w := newWorld(t)
	ctx := context.Background()
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	run := hex.EncodeToString(suffix)
	payerEmail, serviceEmail := "payer-"+run+"@example.com", "ai-service-"+run+"@example.com"
	payerPassword := "payer-password-123"

	// Register a payer (chosen password) and a service (password generated: explicit null).
	newPayer := sa.NewCreateUserRequest(payerEmail)
	newPayer.SetPassword(payerPassword)
	newPayer.SetOrganization("OpenMined")
	created := must(w.api.UsersAPI.CreateUser(ctx).CreateUserRequest(*newPayer).Execute())
	initial := micros(t, created.User.Balance)
	newService := sa.NewCreateUserRequest(serviceEmail)
	newService.SetPasswordNil()
	newService.SetOrganizationNil()
	serviceAccount := must(w.api.UsersAPI.CreateUser(ctx).CreateUserRequest(*newService).Execute())
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
	if body := failure(t, err, response, 403, sa.INSUFFICIENT_SCOPE); !strings.Contains(body.Message, "'pay'") {
		t.Fatalf("the scope error does not name the scope: %s", body.Message)
	}
	must(w.api.ApiKeysAPI.RevokeApiKey(payer).RevokeApiKeyRequest(*sa.NewRevokeApiKeyRequest(readerID)).Execute())
	_, response, err = w.api.UsersAPI.GetMyInfo(reader).Execute()
	failure(t, err, response, 401, sa.INVALID_CREDENTIALS)
	if keys := must(w.api.ApiKeysAPI.ListApiKeys(payer).Execute()).ApiKeys; len(keys) != 2 || keys[1].RevokedAt.Get() == nil {
		t.Fatalf("keys: %+v", keys)
	}

	// The admin credits the payer (Bearer): float64 all the way, to the micro-dollar.
	credit := sa.NewAddBalanceRequest(payerEmail, 123456.789012)
	credited := must(w.api.AdminAPI.AddBalance(w.admin).AddBalanceRequest(*credit).Execute())
	if got, want := micros(t, credited.User.Balance), initial+123_456_789_012; got != want {
		t.Fatalf("balance after credit: %d micro-dollars, want %d", got, want)
	}
	looked := must(w.api.AdminAPI.GetUser(w.admin, payerEmail).Execute())
	if looked.User.Balance != credited.User.Balance {
		t.Fatalf("getUser balance %v, want %v", looked.User.Balance, credited.User.Balance)
	}

	// The payer makes a token for the service; the service charges with it and confirms.
	token := must(w.api.TokensAPI.CreateToken(payer).CreateTokenRequest(*sa.NewCreateTokenRequest(serviceEmail)).Execute())
	charge := sa.NewCreateTransactionRequest(payerEmail, serviceEmail, 0.000001)
	charge.SetToken(token.Token)
	charge.SetAppName("summarizer")
	charge.SetAppEpPath("/v1/summarize")
	pending := must(w.api.TransactionsAPI.CreateTransaction(service).CreateTransactionRequest(*charge).Execute()).Transaction
	if pending.Status != sa.PENDING || pending.CreatedBy != sa.RECIPIENT || micros(t, pending.Amount) != 1 {
		t.Fatalf("pending charge: %+v", pending)
	}
	confirmed := must(w.api.TransactionsAPI.ConfirmTransaction(service).ConfirmTransactionRequest(*sa.NewConfirmTransactionRequest(pending.Id)).Execute()).Transaction
	if confirmed.Status != sa.COMPLETED || confirmed.ResolvedAt.Get() == nil {
		t.Fatalf("confirmed charge: %+v", confirmed)
	}

	payerInfo := must(w.api.UsersAPI.GetMyInfo(payer).Execute())
	serviceInfo := must(w.api.UsersAPI.GetMyInfo(service).Execute())
	if got, want := micros(t, payerInfo.User.Balance), initial+123_456_789_012-1; got != want {
		t.Fatalf("payer balance %d micro-dollars, want %d", got, want)
	}
	if got, want := micros(t, serviceInfo.User.Balance), initial+1; got != want {
		t.Fatalf("service balance %d micro-dollars, want %d", got, want)
	}

	// History, newest first: the charge, then the credit.
	history := must(w.api.TransactionsAPI.ListTransactions(payer).Execute()).Transactions
	if len(history) != 2 || history[0].Id != pending.Id || history[1].CreatedBy != sa.SYSTEM {
		t.Fatalf("history: %+v", history)
	}
	if micros(t, history[1].Amount) != 123_456_789_012 {
		t.Fatalf("credit in history: %v", history[1].Amount)
	}

	// Error paths, each with the contract's typed error body.
	_, response, err = w.api.UsersAPI.GetMyInfo(as(payerEmail, "not-the-password")).Execute()
	failure(t, err, response, 401, sa.INVALID_CREDENTIALS)

	_, response, err = w.api.TransactionsAPI.CreateTransaction(service).CreateTransactionRequest(*charge).Execute()
	failure(t, err, response, 403, sa.TOKEN_USED)

	overdraft := sa.NewCreateTransactionRequest(serviceEmail, payerEmail, 1_000_000_000)
	_, response, err = w.api.TransactionsAPI.CreateTransaction(service).CreateTransactionRequest(*overdraft).Execute()
	failure(t, err, response, 409, sa.INSUFFICIENT_FUNDS)

	tooPrecise := sa.NewCreateTransactionRequest(payerEmail, serviceEmail, 0.0000001)
	_, response, err = w.api.TransactionsAPI.CreateTransaction(payer).CreateTransactionRequest(*tooPrecise).Execute()
	body := failure(t, err, response, 422, sa.VALIDATION_ERROR)
	if len(body.Details) == 0 || body.Details[0].Field != "amount" {
		t.Fatalf("422 details: %+v", body.Details)
	}
}

// register makes an account with a chosen password and returns its Basic context and its
// balance in micro-dollars.
func register(t *testing.T, w world, email, password string) (context.Context, int64) {
	t.Helper()
	request := sa.NewCreateUserRequest(email)
	request.SetPassword(password)
	created := must(w.api.UsersAPI.CreateUser(context.Background()).CreateUserRequest(*request).Execute())
	return as(email, password), micros(t, created.User.Balance)
}

// held returns the account's (balance, available, held) in micro-dollars.
func held(t *testing.T, w world, who context.Context) (int64, int64, int64) {
	t.Helper()
	user := must(w.api.UsersAPI.GetMyInfo(who).Execute()).User
	return micros(t, user.Balance), micros(t, user.GetAvailableBalance()), micros(t, user.GetHeldBalance())
}

// A charge whose price is known only after the work: held at $5, captured at $1.23, then
// refunded in two steps (the recipient with an idempotency key, the admin the rest).
func TestHoldCaptureRefund(t *testing.T) {
	current = t
	w := newWorld(t)
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	run := hex.EncodeToString(suffix)
	payerEmail, serviceEmail := "payer-"+run+"@example.com", "ai-service-"+run+"@example.com"
	payer, initial := register(t, w, payerEmail, "payer-password-123")
	service, serviceInitial := register(t, w, serviceEmail, "service-password-123")
	// The service charges, captures and refunds with a key that may do only that (and read).
	service, _ = newKey(t, w, service, "go-charges", sa.CHARGE, sa.READ)

	// Every answer says what the service supports beyond the public protocol.
	_, response, err := w.api.UsersAPI.GetMyInfo(payer).Execute()
	if err != nil || response.Header.Get("Accounting-Features") != "holds, capture, refunds, api-keys" {
		t.Fatalf("Accounting-Features: %q (%v)", response.Header.Get("Accounting-Features"), err)
	}

	// The charge holds $5 for ten minutes.
	token := must(w.api.TokensAPI.CreateToken(payer).CreateTokenRequest(*sa.NewCreateTokenRequest(serviceEmail)).Execute())
	charge := sa.NewCreateTransactionRequest(payerEmail, serviceEmail, 5)
	charge.SetToken(token.Token)
	charge.SetHoldFor(600)
	hold := must(w.api.TransactionsAPI.CreateTransaction(service).CreateTransactionRequest(*charge).Execute()).Transaction
	if micros(t, hold.GetAuthorizedAmount()) != 5_000_000 || hold.Status != sa.PENDING {
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
	tooMuch.SetAmount(5.000001)
	_, response, err = w.api.TransactionsAPI.ConfirmTransaction(service).ConfirmTransactionRequest(*tooMuch).Execute()
	failure(t, err, response, 409, sa.CAPTURE_EXCEEDS_HOLD)
	capture := sa.NewConfirmTransactionRequest(hold.Id)
	capture.SetAmount(1.23)
	captured := must(w.api.TransactionsAPI.ConfirmTransaction(service).ConfirmTransactionRequest(*capture).Execute()).Transaction
	if micros(t, captured.Amount) != 1_230_000 || micros(t, captured.GetAuthorizedAmount()) != 5_000_000 || captured.Status != sa.COMPLETED {
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
	refund.SetAmount(0.23)
	refund.SetReason("the estimate was high")
	key := "refund-" + run
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
	if micros(t, rest.Amount) != 1_000_000 || rest.CreatedBy != sa.SYSTEM {
		t.Fatalf("the admin's refund: %+v", rest)
	}
	_, response, err = w.api.TransactionsAPI.RefundTransaction(service).RefundTransactionRequest(*sa.NewRefundTransactionRequest(hold.Id)).Execute()
	failure(t, err, response, 409, sa.REFUND_EXCEEDS_PAYMENT)
	original := must(w.api.TransactionsAPI.GetTransaction(payer, hold.Id).Execute()).Transaction
	if micros(t, original.GetRefundedAmount()) != 1_230_000 {
		t.Fatalf("refunded amount: %v", original.GetRefundedAmount())
	}
	if balance, _, _ := held(t, w, payer); balance != initial {
		t.Fatalf("after the refunds the payer has %d, want %d", balance, initial)
	}
	usage := must(w.api.UsersAPI.GetUsage(payer).Execute()).Usage
	if micros(t, usage.TotalSpent) != 1_230_000 || micros(t, usage.GetTotalRefundsReceived()) != 1_230_000 {
		t.Fatalf("usage: %+v", usage)
	}
}
