/*
SyftBox Accounting Service

The accounting service lets people and services on the SyftBox network pay and get paid for AI services. This document is the contract: it describes the wire protocol of the public SyftBox accounting service, and the reference service in `syftbox_accounting.server` implements exactly this.  ## Conventions - Field names are camelCase. Every successful response wraps its object:   `{\"user\": ...}`, `{\"transaction\": ...}`, `{\"transactions\": [...]}`,   `{\"users\": [...]}`, `{\"token\": \"...\"}`. Every success status is `200`, except   `POST /user/create`, which answers `201 Created` (clients accept both). - Optional request fields may be left out or sent as an explicit JSON `null`;   both mean \"no value\". - Request bodies are closed (`additionalProperties: false`): an unknown field is   a `422 validation_error`, so a misspelt field never goes silently unnoticed.   Response objects are open: clients must ignore fields they do not know, so the   service can add fields without breaking them. - Every error is a non-2xx status with a JSON `ErrorResponse` body, including errors   raised before a request reaches the application. - Every answer carries an `X-Request-Id` header (the `RequestId` header   component) that names it in the service's logs, and   `X-Content-Type-Options: nosniff`. - A request body is JSON, sent with `Content-Type: application/json` (parameters   such as `charset` aside). A body of any other type, or of none, is   `415 unsupported_media_type`, before the credentials are checked: browsers send   other types to another origin without asking first. - Checking passwords takes time on purpose. When a login would wait long for it   (a flood of logins), the service answers `503 unavailable` at once, with   `Retry-After`; it shares that work fairly between clients and accounts, and   refuses a repeat of the same wrong credentials without checking them again.  ## Money Amounts and balances are US dollars, sent as JSON numbers. The service keeps them exactly, as integers of one micro-dollar (0.000001 USD): an amount with more than 6 decimal places, NaN or infinity is rejected with `422 validation_error`, never rounded. Balances never go below zero, and every movement of money happens at once or not at all.  ## Transactions and who may resolve them A transaction is created `PENDING`; money moves only when it is confirmed. - **Direct**: the payer (`senderEmail` = the caller) pays `recipientEmail`.   `createdBy` is `SENDER`. - **Delegated**: a service (`recipientEmail` = the caller) charges the payer   `senderEmail` with a transaction token the payer gave it. `createdBy` is   `RECIPIENT`.  Only the party that created a transaction may confirm or cancel it: the sender of a direct transaction, the recipient of a delegated one. The other party gets `403 forbidden`; anybody else gets `404 not_found`, so transaction ids reveal nothing to strangers. A transaction is resolved at most once: a second confirm or cancel gets `409 already_resolved`, also when two requests race.  ## Transaction tokens A token (`POST /token/create`) is a signed JWT whose payload is `{id, senderEmail, recipientEmail, iat, exp}`, valid for 24 hours. It lets only its named recipient charge only its named sender, and it is single-use: the first delegated transaction created with it spends it, and cancelling that transaction does not give it back. A reused token is `403 token_used`, an expired one `403 token_expired`, a forged one or one naming other parties `403 token_invalid`.  A payer may bound a token: `maxAmount` caps the amount of the one charge it pays (a charge above it is `403 token_limit_exceeded`, and nothing moves), and `expiresIn` shortens its life below 24 hours. Both are claims of the signed token (`maxAmount`, and `exp`). A token created without them is exactly the token described above.  ## Idempotency keys Every `POST` and `PUT` accepts an optional `Idempotency-Key` header (1 to 255 visible ASCII characters; a fresh UUID4 per logical request is a good key), so that a request whose answer was lost can be sent again without acting twice. - The first request with a key is processed. When it succeeds, its answer (status   and body) is recorded with the key, scoped to the caller (the authenticated   account, or the admin key; for `POST /user/create`, which has no caller, the key   and the request body), in the same database transaction as the change it   reports. A caller's records live 24 hours, those of requests without a caller 1   hour (the reference service's defaults). - An answer that changed nothing (any 4xx) is not recorded, and answers of 500 and   above are not either: the same request sent again is processed again. - A later request with the same key, caller, method, path and body gets the   recorded answer again, with `Idempotent-Replayed: true`, and changes nothing.   The caller is authenticated first, every time: a password changed or an admin   key rotated since then no longer gets the answer. The one exception is a   password change's own replay, which may come with the password that change   retired when its `newPassword` is the account's password now. - No secret is replayed to someone who does not hold it, and none is kept. A   password in a request body counts in what makes two requests the same but is   stored in no form: a replay proves it against the account's password (another   password is `422 idempotency_key_reused`) and gets back only the password it   sent. A password the service generated (`POST /user/create` without one) is   shown once, in the first answer, and never replayed: the same request again is   `409 account_exists`. - The same key with a different body or path is `422 idempotency_key_reused`. - While the first request with a key is still being processed, another with the   same key is `409 request_in_progress`: retry it shortly. - Records are bounded: past the service's limit for one caller (all requests   without a caller count as one), a keyed request that would need a new record is   `429 rate_limited`; past its limit in all, `503 unavailable`. Both carry   `Retry-After`: the seconds until the oldest record expires. The same request   without a key is still served. - Every answer to a request that carried a key echoes `Idempotency-Key`. That is   how a client learns that the service honours keys: only then may it resend a   request whose outcome it does not know. A malformed key is   `422 validation_error` (field `Idempotency-Key`) and is not echoed.  ## Holds, capture, expiry and refunds A `PENDING` transaction holds its amount: the sender's `availableBalance` is the balance minus what its pending transactions hold (`heldBalance`), and a transaction larger than the available balance is refused at creation with `409 insufficient_funds`. Confirming a held transaction therefore never fails for lack of funds. - **Capture up to the hold.** `POST /transaction/confirm` takes an optional   `amount`, at most the held amount: the transaction then records what was   captured as `amount`, keeps what was held as `authorizedAmount`, and the rest   is released in the same step. A larger amount is `409 capture_exceeds_hold`. - **Expiry.** Every pending transaction has an `expiresAt`: `holdFor` seconds after   its creation (default 3600, at most 86400), and never later than the `exp` of   the token that paid for it. At `expiresAt` the hold is released without anyone   calling: from then on it reads `CANCELLED`, `resolvedBy: SYSTEM`,   `cancelReason: expired`, and confirming or cancelling it is   `409 hold_expired`. - **Refunds.** The recipient of a `COMPLETED` transaction (or the admin) refunds   all or part of it with `POST /transaction/refund`. A refund is a new `COMPLETED`   transaction in the other direction, with `refundOf` naming the original, whose   `refundedAmount` grows; refunds of one transaction never exceed its `amount`   in total (`409 refund_exceeds_payment`).  ## Features What a service supports beyond the public protocol, it announces in the `Accounting-Features` header of every answer: a comma-separated list of `holds` (pending transactions hold their amount, expire, and take `holdFor`), `capture` (confirm with an `amount`) and `refunds` (`POST /transaction/refund`). A client reads it from any answer and never sends what the service has not announced. A service that sends no such header supports none of them (the public service, today). 

API version: 1.0.0
*/

// Code generated by OpenAPI Generator (https://openapi-generator.tech); DO NOT EDIT.

package syftboxaccounting

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
)


// TokensAPIService TokensAPI service
type TokensAPIService service

type ApiCreateTokenRequest struct {
	ctx context.Context
	ApiService *TokensAPIService
	createTokenRequest *CreateTokenRequest
	idempotencyKey *string
}

func (r ApiCreateTokenRequest) CreateTokenRequest(createTokenRequest CreateTokenRequest) ApiCreateTokenRequest {
	r.createTokenRequest = &createTokenRequest
	return r
}

// Makes the request safe to send again: a second request with the same key, caller and body gets the first one&#39;s answer and changes nothing (see \&quot;Idempotency keys\&quot;). 1 to 255 visible ASCII characters; a UUID4 is a good key. 
func (r ApiCreateTokenRequest) IdempotencyKey(idempotencyKey string) ApiCreateTokenRequest {
	r.idempotencyKey = &idempotencyKey
	return r
}

func (r ApiCreateTokenRequest) Execute() (*TokenResponse, *http.Response, error) {
	return r.ApiService.CreateTokenExecute(r)
}

/*
CreateToken Create a transaction token

The payer (the caller) creates a single-use token that lets
`recipientEmail`, and nobody else, charge the payer once, within 24 hours.
The recipient must have an account and must not be the caller.


 @param ctx context.Context - for authentication, logging, cancellation, deadlines, tracing, etc. Passed from http.Request or context.Background().
 @return ApiCreateTokenRequest
*/
func (a *TokensAPIService) CreateToken(ctx context.Context) ApiCreateTokenRequest {
	return ApiCreateTokenRequest{
		ApiService: a,
		ctx: ctx,
	}
}

// Execute executes the request
//  @return TokenResponse
func (a *TokensAPIService) CreateTokenExecute(r ApiCreateTokenRequest) (*TokenResponse, *http.Response, error) {
	var (
		localVarHTTPMethod   = http.MethodPost
		localVarPostBody     interface{}
		formFiles            []formFile
		localVarReturnValue  *TokenResponse
	)

	localBasePath, err := a.client.cfg.ServerURLWithContext(r.ctx, "TokensAPIService.CreateToken")
	if err != nil {
		return localVarReturnValue, nil, &GenericOpenAPIError{error: err.Error()}
	}

	localVarPath := localBasePath + "/token/create"

	localVarHeaderParams := make(map[string]string)
	localVarQueryParams := url.Values{}
	localVarFormParams := url.Values{}
	if r.createTokenRequest == nil {
		return localVarReturnValue, nil, reportError("createTokenRequest is required and must be specified")
	}

	// to determine the Content-Type header
	localVarHTTPContentTypes := []string{"application/json"}

	// set Content-Type header
	localVarHTTPContentType := selectHeaderContentType(localVarHTTPContentTypes)
	if localVarHTTPContentType != "" {
		localVarHeaderParams["Content-Type"] = localVarHTTPContentType
	}

	// to determine the Accept header
	localVarHTTPHeaderAccepts := []string{"application/json"}

	// set Accept header
	localVarHTTPHeaderAccept := selectHeaderAccept(localVarHTTPHeaderAccepts)
	if localVarHTTPHeaderAccept != "" {
		localVarHeaderParams["Accept"] = localVarHTTPHeaderAccept
	}
	if r.idempotencyKey != nil {
		parameterAddToHeaderOrQuery(localVarHeaderParams, "Idempotency-Key", r.idempotencyKey, "simple", "")
	}
	// body params
	localVarPostBody = r.createTokenRequest
	req, err := a.client.prepareRequest(r.ctx, localVarPath, localVarHTTPMethod, localVarPostBody, localVarHeaderParams, localVarQueryParams, localVarFormParams, formFiles)
	if err != nil {
		return localVarReturnValue, nil, err
	}

	localVarHTTPResponse, err := a.client.callAPI(req)
	if err != nil || localVarHTTPResponse == nil {
		return localVarReturnValue, localVarHTTPResponse, err
	}

	localVarBody, err := io.ReadAll(localVarHTTPResponse.Body)
	localVarHTTPResponse.Body.Close()
	localVarHTTPResponse.Body = io.NopCloser(bytes.NewBuffer(localVarBody))
	if err != nil {
		return localVarReturnValue, localVarHTTPResponse, err
	}

	if localVarHTTPResponse.StatusCode >= 300 {
		newErr := &GenericOpenAPIError{
			body:  localVarBody,
			error: localVarHTTPResponse.Status,
		}
		if localVarHTTPResponse.StatusCode == 400 {
			var v ErrorResponse
			err = a.client.decode(&v, localVarBody, localVarHTTPResponse.Header.Get("Content-Type"))
			if err != nil {
				newErr.error = err.Error()
				return localVarReturnValue, localVarHTTPResponse, newErr
			}
					newErr.error = formatErrorMessage(localVarHTTPResponse.Status, &v)
					newErr.model = v
			return localVarReturnValue, localVarHTTPResponse, newErr
		}
		if localVarHTTPResponse.StatusCode == 401 {
			var v ErrorResponse
			err = a.client.decode(&v, localVarBody, localVarHTTPResponse.Header.Get("Content-Type"))
			if err != nil {
				newErr.error = err.Error()
				return localVarReturnValue, localVarHTTPResponse, newErr
			}
					newErr.error = formatErrorMessage(localVarHTTPResponse.Status, &v)
					newErr.model = v
			return localVarReturnValue, localVarHTTPResponse, newErr
		}
		if localVarHTTPResponse.StatusCode == 404 {
			var v ErrorResponse
			err = a.client.decode(&v, localVarBody, localVarHTTPResponse.Header.Get("Content-Type"))
			if err != nil {
				newErr.error = err.Error()
				return localVarReturnValue, localVarHTTPResponse, newErr
			}
					newErr.error = formatErrorMessage(localVarHTTPResponse.Status, &v)
					newErr.model = v
			return localVarReturnValue, localVarHTTPResponse, newErr
		}
		if localVarHTTPResponse.StatusCode == 409 {
			var v ErrorResponse
			err = a.client.decode(&v, localVarBody, localVarHTTPResponse.Header.Get("Content-Type"))
			if err != nil {
				newErr.error = err.Error()
				return localVarReturnValue, localVarHTTPResponse, newErr
			}
					newErr.error = formatErrorMessage(localVarHTTPResponse.Status, &v)
					newErr.model = v
			return localVarReturnValue, localVarHTTPResponse, newErr
		}
		if localVarHTTPResponse.StatusCode == 415 {
			var v ErrorResponse
			err = a.client.decode(&v, localVarBody, localVarHTTPResponse.Header.Get("Content-Type"))
			if err != nil {
				newErr.error = err.Error()
				return localVarReturnValue, localVarHTTPResponse, newErr
			}
					newErr.error = formatErrorMessage(localVarHTTPResponse.Status, &v)
					newErr.model = v
			return localVarReturnValue, localVarHTTPResponse, newErr
		}
		if localVarHTTPResponse.StatusCode == 422 {
			var v ErrorResponse
			err = a.client.decode(&v, localVarBody, localVarHTTPResponse.Header.Get("Content-Type"))
			if err != nil {
				newErr.error = err.Error()
				return localVarReturnValue, localVarHTTPResponse, newErr
			}
					newErr.error = formatErrorMessage(localVarHTTPResponse.Status, &v)
					newErr.model = v
			return localVarReturnValue, localVarHTTPResponse, newErr
		}
		if localVarHTTPResponse.StatusCode == 429 {
			var v ErrorResponse
			err = a.client.decode(&v, localVarBody, localVarHTTPResponse.Header.Get("Content-Type"))
			if err != nil {
				newErr.error = err.Error()
				return localVarReturnValue, localVarHTTPResponse, newErr
			}
					newErr.error = formatErrorMessage(localVarHTTPResponse.Status, &v)
					newErr.model = v
			return localVarReturnValue, localVarHTTPResponse, newErr
		}
		if localVarHTTPResponse.StatusCode == 500 {
			var v ErrorResponse
			err = a.client.decode(&v, localVarBody, localVarHTTPResponse.Header.Get("Content-Type"))
			if err != nil {
				newErr.error = err.Error()
				return localVarReturnValue, localVarHTTPResponse, newErr
			}
					newErr.error = formatErrorMessage(localVarHTTPResponse.Status, &v)
					newErr.model = v
			return localVarReturnValue, localVarHTTPResponse, newErr
		}
		if localVarHTTPResponse.StatusCode == 503 {
			var v ErrorResponse
			err = a.client.decode(&v, localVarBody, localVarHTTPResponse.Header.Get("Content-Type"))
			if err != nil {
				newErr.error = err.Error()
				return localVarReturnValue, localVarHTTPResponse, newErr
			}
					newErr.error = formatErrorMessage(localVarHTTPResponse.Status, &v)
					newErr.model = v
		}
		return localVarReturnValue, localVarHTTPResponse, newErr
	}

	err = a.client.decode(&localVarReturnValue, localVarBody, localVarHTTPResponse.Header.Get("Content-Type"))
	if err != nil {
		newErr := &GenericOpenAPIError{
			body:  localVarBody,
			error: err.Error(),
		}
		return localVarReturnValue, localVarHTTPResponse, newErr
	}

	return localVarReturnValue, localVarHTTPResponse, nil
}
