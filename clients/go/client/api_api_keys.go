/*
SyftBox Accounting Service

The accounting service lets people and services on the SyftBox network pay and get paid for AI services. This document is the contract: it describes the wire protocol of the public SyftBox accounting service, and the reference service in `syftbox_accounting.server` implements exactly this.  ## Conventions - Field names are camelCase. Every successful response wraps its object:   `{\"user\": ...}`, `{\"transaction\": ...}`, `{\"transactions\": [...]}`,   `{\"users\": [...]}`, `{\"token\": \"...\"}`. Every success status is `200`, except   `POST /user/create`, which answers `201 Created` (clients accept both). - Optional request fields may be left out or sent as an explicit JSON `null`;   both mean \"no value\". - Request bodies are closed (`additionalProperties: false`): an unknown field is   a `422 validation_error`, so a misspelt field never goes silently unnoticed.   Response objects are open: clients must ignore fields they do not know, so the   service can add fields without breaking them. - Every error is a non-2xx status with a JSON `ErrorResponse` body, including errors   raised before a request reaches the application. - Every answer carries an `X-Request-Id` header (the `RequestId` header   component) that names it in the service's logs.  ## Money Amounts and balances are US dollars, sent as JSON numbers. The service keeps them exactly, as integers of one micro-dollar (0.000001 USD): an amount with more than 6 decimal places, NaN or infinity is rejected with `422 validation_error`, never rounded. Balances never go below zero, and every movement of money happens at once or not at all.  ## Transactions and who may resolve them A transaction is created `PENDING`; money moves only when it is confirmed. - **Direct**: the payer (`senderEmail` = the caller) pays `recipientEmail`.   `createdBy` is `SENDER`. - **Delegated**: a service (`recipientEmail` = the caller) charges the payer   `senderEmail` with a transaction token the payer gave it. `createdBy` is   `RECIPIENT`.  Only the party that created a transaction may confirm or cancel it: the sender of a direct transaction, the recipient of a delegated one. The other party gets `403 forbidden`; anybody else gets `404 not_found`, so transaction ids reveal nothing to strangers. A transaction is resolved at most once: a second confirm or cancel gets `409 already_resolved`, also when two requests race.  ## Transaction tokens A token (`POST /token/create`) is a signed JWT whose payload is `{id, senderEmail, recipientEmail, iat, exp}`, valid for 24 hours. It lets only its named recipient charge only its named sender, and it is single-use: the first delegated transaction created with it spends it, and cancelling that transaction does not give it back. A reused token is `403 token_used`, an expired one `403 token_expired`, a forged one or one naming other parties `403 token_invalid`.  A payer may bound a token: `maxAmount` caps the amount of the one charge it pays (a charge above it is `403 token_limit_exceeded`, and nothing moves), and `expiresIn` shortens its life below 24 hours. Both are claims of the signed token (`maxAmount`, and `exp`). A token created without them is exactly the token described above.  ## Idempotency keys Every `POST` and `PUT` accepts an optional `Idempotency-Key` header (1 to 255 visible ASCII characters; a fresh UUID4 per logical request is a good key), so that a request whose answer was lost can be sent again without acting twice. - The first request with a key is processed; its answer (status and body) is   stored with the key, scoped to the caller (the authenticated account, or the   admin key; for `POST /user/create`, which has no caller, the key and the   request body), for 24 hours. The answer is stored in the same database   transaction as the change it reports. - A later request with the same key, caller, method, path and body gets the   stored answer again, with `Idempotent-Replayed: true`, and changes nothing. - The same key with a different body or path is `422 idempotency_key_reused`. - While the first request with a key is still being processed, another with the   same key is `409 request_in_progress`: retry it shortly. - Answers of 500 and above are not stored, so a retry may still succeed. - Every answer to a request that carried a key echoes `Idempotency-Key`. That is   how a client learns that the service honours keys: only then may it resend a   request whose outcome it does not know. A malformed key is   `422 validation_error` (field `Idempotency-Key`) and is not echoed.  ## Holds, capture, expiry and refunds A `PENDING` transaction holds its amount: the sender's `availableBalance` is the balance minus what its pending transactions hold (`heldBalance`), and a transaction larger than the available balance is refused at creation with `409 insufficient_funds`. Confirming a held transaction therefore never fails for lack of funds. - **Capture up to the hold.** `POST /transaction/confirm` takes an optional   `amount`, at most the held amount: the transaction then records what was   captured as `amount`, keeps what was held as `authorizedAmount`, and the rest   is released in the same step. A larger amount is `409 capture_exceeds_hold`. - **Expiry.** Every pending transaction has an `expiresAt`: `holdFor` seconds after   its creation (default 3600, at most 86400), and never later than the `exp` of   the token that paid for it. At `expiresAt` the hold is released without anyone   calling: from then on it reads `CANCELLED`, `resolvedBy: SYSTEM`,   `cancelReason: expired`, and confirming or cancelling it is   `409 hold_expired`. - **Refunds.** The recipient of a `COMPLETED` transaction (or the admin) refunds   all or part of it with `POST /transaction/refund`. A refund is a new `COMPLETED`   transaction in the other direction, with `refundOf` naming the original, whose   `refundedAmount` grows; refunds of one transaction never exceed its `amount`   in total (`409 refund_exceeds_payment`).  ## Features What a service supports beyond the public protocol, it announces in the `Accounting-Features` header of every answer: a comma-separated list of `holds` (pending transactions hold their amount, expire, and take `holdFor`), `capture` (confirm with an `amount`), `refunds` (`POST /transaction/refund`) and `api-keys` (see \"API keys\"). A client reads it from any answer and never sends what the service has not announced. A service that sends no such header supports none of them (the public service, today).  ## API keys At a service that announces `api-keys`, a user may authenticate every user operation with `Authorization: Bearer <API key>` instead of Basic (the `apiKeyBearer` scheme); admin operations keep the admin key. A key is `sbk_` followed by 43 letters and digits: the prefix makes a leaked key easy to find, and tells it apart from an admin key, which never starts with `sbk_`. `POST /api-key/create` shows a key's secret once; the service keeps only a keyed hash of it. A key has scopes, and may have an expiry and a spend cap: - `read`: `getMyInfo`, `listTransactions`, `getTransaction`, `getUsage`; - `pay`: `createToken`, `createTransaction` without a token (a direct payment),   and confirming or cancelling the transactions the caller created as sender; - `charge`: `createTransaction` with a token (a charge), confirming or cancelling   the transactions the caller created as recipient, and `refundTransaction`; - `account`: `updatePassword` (which still needs `oldPassword`) and   `updateOrganization`; - `keys`: `createApiKey`, `listApiKeys`, `revokeApiKey`. A key creates only keys   with no more scopes than its own, that expire no later than itself, and, if it   has a spend cap, none with `pay`.  A call the key's scopes do not cover is `403 insufficient_scope`, naming the missing scope. A revoked, expired or unknown key is `401 invalid_credentials` at once. `maxSpend` bounds what a key commits of the account's money over its life: each direct payment it creates counts its amount, each token it makes counts its `maxAmount` (which such a key must then set), each refund it gives counts its amount; a cancelled payment does not give it back. A call that would pass the cap is `409 spend_cap_exceeded`, and nothing moves. Idempotency keys work the same with a key: the stored answers belong to the key's account. 

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


// ApiKeysAPIService ApiKeysAPI service
type ApiKeysAPIService service

type ApiCreateApiKeyRequest struct {
	ctx context.Context
	ApiService *ApiKeysAPIService
	createApiKeyRequest *CreateApiKeyRequest
	idempotencyKey *string
}

func (r ApiCreateApiKeyRequest) CreateApiKeyRequest(createApiKeyRequest CreateApiKeyRequest) ApiCreateApiKeyRequest {
	r.createApiKeyRequest = &createApiKeyRequest
	return r
}

// Makes the request safe to send again: a second request with the same key, caller and body gets the first one&#39;s answer and changes nothing (see \&quot;Idempotency keys\&quot;). 1 to 255 visible ASCII characters; a UUID4 is a good key. 
func (r ApiCreateApiKeyRequest) IdempotencyKey(idempotencyKey string) ApiCreateApiKeyRequest {
	r.idempotencyKey = &idempotencyKey
	return r
}

func (r ApiCreateApiKeyRequest) Execute() (*CreateApiKeyResponse, *http.Response, error) {
	return r.ApiService.CreateApiKeyExecute(r)
}

/*
CreateApiKey Create an API key

Creates an API key for the caller's account, with `scopes` and optionally an
expiry (`expiresIn`) and a spend cap (`maxSpend`); see "API keys". The answer
holds the key's `secret`, shown this once: the service keeps only a keyed hash
of it. With a key, the caller needs the `keys` scope, and the new key may have
no more scopes than the caller's, expire no later, and have no `pay` when the
caller's key has a spend cap. Only at a service that announces `api-keys`.


 @param ctx context.Context - for authentication, logging, cancellation, deadlines, tracing, etc. Passed from http.Request or context.Background().
 @return ApiCreateApiKeyRequest
*/
func (a *ApiKeysAPIService) CreateApiKey(ctx context.Context) ApiCreateApiKeyRequest {
	return ApiCreateApiKeyRequest{
		ApiService: a,
		ctx: ctx,
	}
}

// Execute executes the request
//  @return CreateApiKeyResponse
func (a *ApiKeysAPIService) CreateApiKeyExecute(r ApiCreateApiKeyRequest) (*CreateApiKeyResponse, *http.Response, error) {
	var (
		localVarHTTPMethod   = http.MethodPost
		localVarPostBody     interface{}
		formFiles            []formFile
		localVarReturnValue  *CreateApiKeyResponse
	)

	localBasePath, err := a.client.cfg.ServerURLWithContext(r.ctx, "ApiKeysAPIService.CreateApiKey")
	if err != nil {
		return localVarReturnValue, nil, &GenericOpenAPIError{error: err.Error()}
	}

	localVarPath := localBasePath + "/api-key/create"

	localVarHeaderParams := make(map[string]string)
	localVarQueryParams := url.Values{}
	localVarFormParams := url.Values{}
	if r.createApiKeyRequest == nil {
		return localVarReturnValue, nil, reportError("createApiKeyRequest is required and must be specified")
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
	localVarPostBody = r.createApiKeyRequest
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
		if localVarHTTPResponse.StatusCode == 403 {
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

type ApiListApiKeysRequest struct {
	ctx context.Context
	ApiService *ApiKeysAPIService
}

func (r ApiListApiKeysRequest) Execute() (*ApiKeyListResponse, *http.Response, error) {
	return r.ApiService.ListApiKeysExecute(r)
}

/*
ListApiKeys List the caller's API keys

Every API key of the caller's account, revoked and expired ones included,
oldest first; never their secrets. With a key, the caller needs the `keys`
scope. Only at a service that announces `api-keys`.


 @param ctx context.Context - for authentication, logging, cancellation, deadlines, tracing, etc. Passed from http.Request or context.Background().
 @return ApiListApiKeysRequest
*/
func (a *ApiKeysAPIService) ListApiKeys(ctx context.Context) ApiListApiKeysRequest {
	return ApiListApiKeysRequest{
		ApiService: a,
		ctx: ctx,
	}
}

// Execute executes the request
//  @return ApiKeyListResponse
func (a *ApiKeysAPIService) ListApiKeysExecute(r ApiListApiKeysRequest) (*ApiKeyListResponse, *http.Response, error) {
	var (
		localVarHTTPMethod   = http.MethodGet
		localVarPostBody     interface{}
		formFiles            []formFile
		localVarReturnValue  *ApiKeyListResponse
	)

	localBasePath, err := a.client.cfg.ServerURLWithContext(r.ctx, "ApiKeysAPIService.ListApiKeys")
	if err != nil {
		return localVarReturnValue, nil, &GenericOpenAPIError{error: err.Error()}
	}

	localVarPath := localBasePath + "/api-keys"

	localVarHeaderParams := make(map[string]string)
	localVarQueryParams := url.Values{}
	localVarFormParams := url.Values{}

	// to determine the Content-Type header
	localVarHTTPContentTypes := []string{}

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
		if localVarHTTPResponse.StatusCode == 403 {
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

type ApiRevokeApiKeyRequest struct {
	ctx context.Context
	ApiService *ApiKeysAPIService
	revokeApiKeyRequest *RevokeApiKeyRequest
	idempotencyKey *string
}

func (r ApiRevokeApiKeyRequest) RevokeApiKeyRequest(revokeApiKeyRequest RevokeApiKeyRequest) ApiRevokeApiKeyRequest {
	r.revokeApiKeyRequest = &revokeApiKeyRequest
	return r
}

// Makes the request safe to send again: a second request with the same key, caller and body gets the first one&#39;s answer and changes nothing (see \&quot;Idempotency keys\&quot;). 1 to 255 visible ASCII characters; a UUID4 is a good key. 
func (r ApiRevokeApiKeyRequest) IdempotencyKey(idempotencyKey string) ApiRevokeApiKeyRequest {
	r.idempotencyKey = &idempotencyKey
	return r
}

func (r ApiRevokeApiKeyRequest) Execute() (*ApiKeyResponse, *http.Response, error) {
	return r.ApiService.RevokeApiKeyExecute(r)
}

/*
RevokeApiKey Revoke an API key

Revokes one of the caller's API keys: from the next request on, it is refused
(`401 invalid_credentials`). Revoking a revoked key changes nothing and answers
it again. A key id that is not the caller's is `404 not_found`. With a key, the
caller needs the `keys` scope (a key may revoke itself). Only at a service that
announces `api-keys`.


 @param ctx context.Context - for authentication, logging, cancellation, deadlines, tracing, etc. Passed from http.Request or context.Background().
 @return ApiRevokeApiKeyRequest
*/
func (a *ApiKeysAPIService) RevokeApiKey(ctx context.Context) ApiRevokeApiKeyRequest {
	return ApiRevokeApiKeyRequest{
		ApiService: a,
		ctx: ctx,
	}
}

// Execute executes the request
//  @return ApiKeyResponse
func (a *ApiKeysAPIService) RevokeApiKeyExecute(r ApiRevokeApiKeyRequest) (*ApiKeyResponse, *http.Response, error) {
	var (
		localVarHTTPMethod   = http.MethodPost
		localVarPostBody     interface{}
		formFiles            []formFile
		localVarReturnValue  *ApiKeyResponse
	)

	localBasePath, err := a.client.cfg.ServerURLWithContext(r.ctx, "ApiKeysAPIService.RevokeApiKey")
	if err != nil {
		return localVarReturnValue, nil, &GenericOpenAPIError{error: err.Error()}
	}

	localVarPath := localBasePath + "/api-key/revoke"

	localVarHeaderParams := make(map[string]string)
	localVarQueryParams := url.Values{}
	localVarFormParams := url.Values{}
	if r.revokeApiKeyRequest == nil {
		return localVarReturnValue, nil, reportError("revokeApiKeyRequest is required and must be specified")
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
	localVarPostBody = r.revokeApiKeyRequest
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
		if localVarHTTPResponse.StatusCode == 403 {
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
