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
	confirmed := must(w.api.TransactionsAPI.ConfirmTransaction(service).TransactionIdRequest(*sa.NewTransactionIdRequest(pending.Id)).Execute()).Transaction
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
	_, response, err := w.api.UsersAPI.GetMyInfo(as(payerEmail, "not-the-password")).Execute()
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
